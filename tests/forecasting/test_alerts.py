"""Surge alerts: an injected surge is found, quiet units are not, alerts are stored."""

from __future__ import annotations

from datetime import date

import numpy as np
from forecast_factories import GRIDS, case_rows, insert_rows, poisson_counts

from forecasting import detect_surges, load_alerts, save_alerts
from forecasting.alerts import window_surges
from forecasting.series import Panel

START = date(2025, 1, 6)


def test_window_surges_by_hand():
    y = np.full((2, 70), 2.0)
    y[0, -7:] = 9.0  # 63 cases in the last week against 14 expected
    panel = Panel(np.array(["hot", "calm"], dtype=object), START, y)
    found = window_surges(panel, days=7, level_pct=95, min_cases=5)
    assert list(found["unique_id"]) == ["hot"]
    row = found.iloc[0]
    assert row["actual"] == 63 and row["expected"] == 14
    assert row["upper"] < 63
    assert row["score"] == (63 - row["upper"]) / np.sqrt(row["upper"])


def test_minimum_volume_rule():
    y = np.zeros((1, 70))
    y[0, -1] = 3.0  # from nothing to 3 cases: unusual, but too few to alert on
    panel = Panel(np.array(["tiny"], dtype=object), START, y)
    assert window_surges(panel, min_cases=5).empty
    assert len(window_surges(panel, min_cases=3)) == 1


def test_surges_by_grid_and_category_are_stored(store):
    rates = dict(zip(GRIDS["grid_id"], [3.0, 1.0, 0.5, 4.0, 2.0, 1.0], strict=True))
    counts = poisson_counts(90, rates, seed=2)
    rows = case_rows(counts, START)
    burst = {"g3": np.r_[np.zeros(83, dtype=int), np.full(7, 6)]}
    rows += case_rows(burst, START, category="街面秩序", prefix="burst")
    insert_rows(store, rows)
    alerts = detect_surges(store, kinds=("grid", "category", "grid_category"))
    grid_hits = alerts[alerts["kind"] == "grid"]
    assert "g3" in set(grid_hits["unique_id"])
    assert grid_hits["score"].is_monotonic_decreasing
    cat = alerts[alerts["kind"] == "category"]
    assert set(cat["category"]) == {"街面秩序"} and set(cat["unique_id"]) == {"city"}
    both = alerts[alerts["kind"] == "grid_category"]
    assert ("g3", "街面秩序") in set(zip(both["unique_id"], both["category"], strict=True))
    assert save_alerts(store, alerts) == len(alerts)
    stored = load_alerts(store)
    assert len(stored) == len(alerts) and stored["id"].is_unique
    assert str(stored["window_end"].max()) == "2025-04-05"
