"""Trend analysis: STL recovers a known weekly pattern; rising units are ranked by growth."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from metrics.trends import decompose, rising_units, top_series, window


def test_decompose_recovers_a_weekly_pattern_and_a_trend():
    days = pd.date_range("2025-01-06", periods=70, freq="D")
    weekly = np.tile([10.0, 10, 10, 10, 10, -20, -30], 10)
    values = pd.Series(100 + 0.5 * np.arange(70) + weekly, index=days)
    parts = decompose(values, "day")
    assert list(parts.columns) == ["observed", "trend", "seasonal", "resid"]
    assert np.allclose(parts["trend"] + parts["seasonal"] + parts["resid"], parts["observed"])
    middle = parts.iloc[21:49]
    # 2025-01-06 is a Monday: the pattern puts -30 on Sundays and +10 on weekdays.
    assert abs(middle["seasonal"][middle.index.dayofweek == 6].mean() - (-30)) < 3
    assert abs(middle["seasonal"][middle.index.dayofweek == 2].mean() - 10) < 3
    assert abs(middle["trend"].diff().mean() - 0.5) < 0.05


def test_decompose_needs_two_full_seasons_without_gaps():
    days = pd.date_range("2025-01-01", periods=13, freq="D")
    assert decompose(pd.Series(np.arange(13.0), index=days), "day") is None
    gap = pd.Series(np.arange(30.0), index=pd.date_range("2025-01-01", periods=30, freq="D"))
    gap.iloc[5] = np.nan
    assert decompose(gap, "day") is None


def test_rising_units_by_absolute_growth():
    now = pd.DataFrame({"category": ["噪声扰民", "供暖供热", "市容环境"], "cases": [50, 30, 5]})
    before = pd.DataFrame({"category": ["噪声扰民", "市容环境", "园林绿化"], "cases": [20, 10, 4]})
    top = rising_units(now, before, "category", n=3)
    # Ties in growth are ordered by name, so the order is stable.
    assert top["category"].tolist() == ["供暖供热", "噪声扰民", "园林绿化"]
    assert top["change"].tolist() == [30, 30, -4]
    assert top.loc[0, "previous"] == 0 and np.isnan(top.loc[0, "change_pct"])
    assert top.loc[1, "change_pct"] == 1.5


@pytest.mark.parametrize(
    ("end", "freq", "first", "want"),
    [
        # a whole month: the 24 months up to it
        (date(2025, 12, 31), "month", date(2023, 1, 1), (date(2024, 1, 1), date(2025, 12, 31))),
        # a week ending 2 March: March is not whole yet, so the months end with February
        (date(2025, 3, 2), "month", date(2023, 1, 1), (date(2023, 3, 1), date(2025, 2, 28))),
        # data from 5 January: the first whole month is February
        (date(2023, 3, 31), "month", date(2023, 1, 5), (date(2023, 2, 1), date(2023, 3, 31))),
        # weeks Monday–Sunday, 104 of them, ending on the Sunday on or before the end
        (date(2025, 3, 5), "week", date(2020, 1, 1), (date(2023, 3, 6), date(2025, 3, 2))),
        (date(2025, 3, 2), "day", date(2025, 1, 10), (date(2025, 1, 10), date(2025, 3, 2))),
        (date(2023, 1, 20), "month", date(2023, 1, 5), None),  # no whole month yet
    ],
)
def test_trend_window_holds_whole_buckets_within_the_data(end, freq, first, want):
    assert window(end, freq, first) == want


def test_top_series_keeps_the_units_with_most_cases_over_the_whole_series():
    frame = pd.DataFrame(
        {
            "ds": ["2025-01", "2025-02"] * 4,
            "district": ["甲", "甲", "乙", "乙", "丙", "丙", "丁", "丁"],
            "cases": [5, 1, 2, 2, 0, 7, 3, 0],  # totals: 甲 6, 乙 4, 丙 7, 丁 3
            "solved_rate": [0.1, 0.9, 0.5, 0.5, None, 0.2, 1.0, None],
        }
    )
    top = top_series(frame, "district", "solved_rate", n=2)
    pd.testing.assert_frame_equal(top, frame.iloc[[0, 1, 4, 5]])
    by_value = top_series(frame.drop(columns="cases"), "district", "solved_rate", n=1)
    assert by_value["district"].tolist() == ["甲", "甲"]  # 甲 1.0, 乙 1.0 (tie: first), 丁 1.0
    assert top_series(frame.iloc[:0], "district", "solved_rate").empty
