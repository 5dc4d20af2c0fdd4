"""Surge alerts: an injected surge is found, quiet units are not, alerts are stored."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from forecast_factories import GRIDS, case_rows, insert_rows, poisson_counts

from forecasting import detect_surges, load_alerts, save_alerts
from forecasting.alerts import window_surges
from forecasting.holidays import day_classes
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


# --- false-discovery control and holiday-aware expectations -------------------------------------


def test_benjamini_hochberg_agrees_with_statsmodels():
    from statsmodels.stats.multitest import multipletests

    from forecasting.alerts import benjamini_hochberg

    rng = np.random.default_rng(0)
    for _ in range(50):
        p = np.concatenate([rng.uniform(0, 1, 40), rng.uniform(0, 0.002, rng.integers(0, 8))])
        for q in (0.01, 0.05, 0.2):
            assert benjamini_hochberg(p, q).tolist() == multipletests(p, q, "fdr_bh")[0].tolist()
    assert benjamini_hochberg(np.array([0.01, 0.02, 0.2, 0.03]), 0.05).tolist() == [
        True,
        True,
        False,
        True,
    ]


def _noise(units: int, days: int, rate: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).poisson(rate, (units, days)).astype(float)


def test_pure_noise_raises_few_alerts_with_fdr_and_many_without():
    y = _noise(2000, 70, 2.0, seed=1)
    panel = Panel(np.array([f"u{i}" for i in range(2000)], dtype=object), START, y)
    per_unit = window_surges(panel, min_cases=5)
    controlled = window_surges(panel, min_cases=5, fdr=0.05)
    assert len(per_unit) >= 30  # about 1 in 30 units above its own 95 % end
    assert len(controlled) <= 2


def test_injected_surges_are_found_with_fdr():
    y = _noise(2000, 70, 2.0, seed=2)
    hot = np.random.default_rng(3).choice(2000, 20, replace=False)
    y[hot, -7:] += 4.0  # 28 more cases in the week: three times the usual 14
    panel = Panel(np.array([f"u{i}" for i in range(2000)], dtype=object), START, y)
    found = set(window_surges(panel, min_cases=5, fdr=0.05)["unique_id"])
    truth = {f"u{i}" for i in hot}
    assert len(found & truth) >= 18  # recall ≥ 0.9
    assert len(found - truth) <= 2  # precision ≥ 0.9


def test_a_busy_holiday_is_expected_not_alerted():
    # National Day weeks are three times as busy in every year; the last window is one.
    days = pd.date_range(end="2025-10-07", periods=800)
    busy = np.where(day_classes(days)["holiday"] == "national_day", 3.0, 1.0)
    y = np.random.default_rng(4).poisson(3.0 * busy, (30, len(days))).astype(float)
    panel = Panel(np.array([f"u{i}" for i in range(30)], dtype=object), days[0].date(), y)
    assert len(window_surges(panel, fdr=0.05)) >= 25  # without the calendar: "surges"
    assert window_surges(panel, fdr=0.05, country="CN").empty
