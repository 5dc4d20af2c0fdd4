"""China's holidays mapped to a few recurring classes, with 调休 make-up working days; US holidays."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.holidays import (
    calendar_known_until,
    day_classes,
    holiday_country,
    holiday_params,
    lunar_new_year,
    prophet_holidays,
)


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


def test_us_federal_holidays_with_observed_days_and_the_day_after_thanksgiving():
    frame = day_classes(pd.date_range("2020-01-01", "2023-12-31"), "US").set_index("ds")
    marked = frame["holiday"].dropna()
    assert marked[pd.Timestamp("2023-11-23")] == "thanksgiving_day"
    assert marked[pd.Timestamp("2023-11-24")] == "thanksgiving_day_after"
    assert marked[pd.Timestamp("2023-12-25")] == "christmas_day"
    assert marked[pd.Timestamp("2020-07-03")] == "independence_day"  # 4 July was a Saturday
    assert marked[pd.Timestamp("2022-12-26")] == "christmas_day"  # 25 December was a Sunday
    assert marked[pd.Timestamp("2023-01-16")] == "martin_luther_king_jr_day"
    assert pd.Timestamp("2023-03-17") not in marked.index  # Evacuation Day is Suffolk County's
    # Eleven federal holidays, each a recurring class, plus the day after Thanksgiving.
    assert marked[marked.index.year == 2023].nunique() == 12
    assert not frame["makeup_workday"].any()


def test_the_calendar_follows_the_store_time_zone():
    assert holiday_country("Asia/Shanghai") == "CN"
    assert holiday_country(None) == "CN"  # a store's default zone is Asia/Shanghai
    assert holiday_country("America/New_York") == "US"
    assert holiday_country("US/Pacific") == "US"
    assert holiday_country("Europe/Berlin") is None
    assert holiday_params({}, "America/New_York") == {"holidays": True, "country": "US"}
    assert holiday_params({}, "Europe/Berlin") == {"holidays": False}
    # An analyst's explicit choice wins over the zone.
    assert holiday_params({"country": "US"}, "Europe/Berlin") == {"holidays": True, "country": "US"}
    assert holiday_params({"holidays": False}, "America/Chicago")["holidays"] is False
    # The tuning page's holiday switch cannot bring China's calendar to a Berlin store.
    assert holiday_params({"holidays": True}, "Europe/Berlin") == {"holidays": False}


def test_unknown_calendar_is_refused():
    with pytest.raises(ValueError, match="Unknown holiday calendar"):
        day_classes(pd.date_range("2024-01-01", periods=3), "XX")


def test_a_boston_store_forecasts_with_us_holidays(duck_store):
    from datetime import date

    from forecast_factories import GRIDS, case_rows, insert_rows, poisson_counts

    from caselog.store import set_timezone
    from forecasting.forecaster import forecast_hierarchy

    with duck_store.begin() as conn:
        set_timezone(conn, "America/New_York")
    rates = dict(zip(GRIDS["grid_id"], [3.0, 1.0, 0.3, 5.0, 2.0, 0.1], strict=True))
    insert_rows(duck_store, case_rows(poisson_counts(150, rates, seed=2), date(2024, 6, 3)))
    result = forecast_hierarchy(duck_store, "district", 14, "ymean")
    params = result.parameters["params"]
    assert params["ymean"] == {"holidays": True, "country": "US"}
    assert params["prophet"] == {"holidays": True, "country": "US"}


def test_an_analyst_can_choose_the_calendar():
    from forecasting import ForecastError
    from forecasting.forecaster import holiday_choice

    assert holiday_choice("auto") == {}
    us = {"country": "US"}
    assert holiday_choice("US") == {"prophet": us, "ymean": us, "ensemble": us}
    none = holiday_choice("none")
    assert holiday_params(none["prophet"], "America/New_York")["holidays"] is False
    assert holiday_params(holiday_choice("CN")["ymean"], "America/New_York")["country"] == "CN"
    with pytest.raises(ForecastError, match="Unknown holiday calendar 'FR'"):
        holiday_choice("FR")


# --- any year from the `holidays` package -------------------------------------------------------

#: The lunar New Year's Days the module's hand-written table held until it was removed.
OLD_TABLE = {
    2027: "2027-02-06",
    2028: "2028-01-26",
    2029: "2029-02-13",
    2030: "2030-02-03",
    2031: "2031-01-23",
    2032: "2032-02-11",
    2033: "2033-01-31",
    2034: "2034-02-19",
    2035: "2035-02-08",
}


def _old_projection() -> dict[pd.Timestamp, str]:
    """The days the projection marked before the `holidays` package, by class."""
    marked = {}
    for year, first in OLD_TABLE.items():
        eve = pd.Timestamp(first) - pd.Timedelta(days=1)
        runs = [
            (eve, 7, "spring_festival"),
            (eve + pd.Timedelta(days=7), 7, "spring_festival_after"),
            (pd.Timestamp(f"{year}-10-01"), 7, "national_day"),
            (pd.Timestamp(f"{year}-05-01"), 5, "other_holiday"),
            (pd.Timestamp(f"{year}-01-01"), 1, "other_holiday"),
        ]
        for start, length, name in runs:
            marked.update(dict.fromkeys(pd.date_range(start, periods=length), name))
    return marked


def test_projected_years_are_unchanged_where_the_old_table_knew_them():
    assert calendar_known_until() < pd.Timestamp("2027-01-01").date()
    days = pd.date_range("2027-01-01", "2035-12-31")
    new = day_classes(days)["holiday"].tolist()
    projected = _old_projection()
    old = [projected.get(day) for day in days]
    added = {}
    for day, was, now in zip(days, old, new, strict=True):
        if was is not None:
            assert now == was, day  # every day the table projected keeps its class
        elif now is not None:
            added[day] = now
    # What is new: the lunar festivals the table did not project (Tomb-Sweeping Day in early
    # April, Dragon Boat in May–June, a Mid-Autumn Festival in September) and the weekday
    # off for a New Year's Day on a weekend (2 or 3 January).
    assert set(added.values()) == {"other_holiday"}
    new_days = pd.DatetimeIndex(list(added))
    assert set(new_days.month) <= {1, 4, 5, 6, 9} and len(added) >= 3 * 9
    assert set(new_days[new_days.month == 1].day) <= {2, 3}


def test_any_year_gets_its_spring_festival():
    # Lunar New Year's Days from published almanacs, far past any official schedule.
    for first in ("2036-01-28", "2040-02-12", "2050-01-23", "2060-02-02"):
        day = pd.Timestamp(first)
        frame = day_classes(pd.date_range(day - pd.Timedelta(days=3), periods=20))
        sf = frame.loc[frame["holiday"] == "spring_festival", "ds"]
        assert sf.min() == day - pd.Timedelta(days=1) and len(sf) == 7, first
        assert (frame["holiday"] == "spring_festival_after").sum() == 7


def test_the_package_and_the_published_calendar_agree_on_spring_festival():
    # Where both know a year, the package's lunar New Year's Day is in the official break.
    for year in range(2004, calendar_known_until().year + 1):
        frame = day_classes(pd.date_range(f"{year}-01-15", f"{year}-03-01")).set_index("ds")
        first = frame.index[frame["holiday"] == "spring_festival"]
        assert pd.Timestamp(lunar_new_year(year)) in first, year
