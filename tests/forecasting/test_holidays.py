"""China's holidays mapped to a few recurring classes, with 调休 make-up working days."""

from __future__ import annotations

import pandas as pd

from forecasting.holidays import calendar_known_until, day_classes, prophet_holidays


def test_2024_spring_festival_and_makeup_days():
    frame = day_classes(pd.date_range("2024-02-01", "2024-02-29")).set_index("ds")
    sf = frame.index[frame["holiday"] == "spring_festival"]
    assert sf.min() == pd.Timestamp("2024-02-10") and sf.max() == pd.Timestamp("2024-02-17")
    after = frame.index[frame["holiday"] == "spring_festival_after"]
    assert after.min() == pd.Timestamp("2024-02-18") and len(after) == 7
    makeup = frame.index[frame["makeup_workday"]]
    assert list(makeup.strftime("%m-%d")) == ["02-04", "02-18"]  # Sundays worked


def test_classes_cover_every_official_day_off():
    days = pd.date_range("2023-01-01", "2025-12-31")
    frame = day_classes(days)
    counts = frame["holiday"].value_counts()
    assert set(counts.index) == {
        "spring_festival",
        "spring_festival_after",
        "national_day",
        "other_holiday",
    }
    assert counts["national_day"] >= 3 * 7
    assert prophet_holidays(days[0].date(), days[-1].date())["holiday"].nunique() == 4


def test_beyond_the_published_calendar_fixed_holidays_are_projected():
    known = calendar_known_until()
    later = pd.date_range(pd.Timestamp(known) + pd.Timedelta(days=1), periods=500)
    frame = day_classes(later).set_index("ds")
    assert frame.loc[pd.Timestamp(f"{known.year + 1}-10-01"), "holiday"] == "national_day"
    assert not frame["makeup_workday"].any()  # not published yet: none assumed
    assert (frame["holiday"] == "spring_festival").sum() >= 7
