"""Public holidays as recurring classes: China's (with 调休 make-up working days) or the US's."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import numpy as np
import pandas as pd

__all__ = [
    "COUNTRIES",
    "HOLIDAY_CLASSES",
    "calendar_known_until",
    "day_classes",
    "holiday_country",
    "holiday_params",
    "lunar_new_year",
    "makeup_workdays",
    "prophet_holidays",
    "us_day_classes",
    "uses_china_calendar",
]

#: The recurring classes every Chinese public holiday is mapped onto.
HOLIDAY_CLASSES: tuple[str, ...] = (
    "spring_festival",
    "spring_festival_after",
    "national_day",
    "other_holiday",
)

# Time zones whose stores follow China's official holiday calendar.
_CHINA_ZONES = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC"}


# The United States' zones (IANA zone1970.tab and the legacy US/* links): their stores
# get the US federal holidays.
_US_ZONES = {
    "America/New_York", "America/Detroit", "America/Kentucky/Louisville",
    "America/Kentucky/Monticello", "America/Indiana/Indianapolis", "America/Indiana/Vincennes",
    "America/Indiana/Winamac", "America/Indiana/Marengo", "America/Indiana/Petersburg",
    "America/Indiana/Vevay", "America/Chicago", "America/Indiana/Tell_City",
    "America/Indiana/Knox", "America/Menominee", "America/North_Dakota/Center",
    "America/North_Dakota/New_Salem", "America/North_Dakota/Beulah", "America/Denver",
    "America/Boise", "America/Phoenix", "America/Los_Angeles", "America/Anchorage",
    "America/Juneau", "America/Sitka", "America/Metlakatla", "America/Yakutat",
    "America/Nome", "America/Adak", "Pacific/Honolulu", "US/Eastern", "US/Central",
    "US/Mountain", "US/Pacific", "US/Arizona", "US/Alaska", "US/Hawaii", "US/Michigan",
    "US/East-Indiana", "US/Indiana-Starke", "US/Aleutian",
}  # fmt: skip

#: Calendars :func:`day_classes` knows: China's official days off and the US federal holidays.
COUNTRIES: tuple[str, ...] = ("CN", "US")


def holiday_country(timezone: str | None) -> str | None:
    """The holiday calendar a store in ``timezone`` follows: ``CN`` (also when the zone is
    unknown, the store's default), ``US``, or None (no holidays modelled)."""
    if timezone is None or timezone in _CHINA_ZONES:
        return "CN"
    if timezone in _US_ZONES:
        return "US"
    return None


def holiday_params(params: dict | None, timezone: str | None) -> dict:
    """A holiday-aware model's settings with the calendar filled in from the store's zone.

    An explicit ``country`` (``CN``/``US``) wins; otherwise a Chinese or US zone picks that
    calendar. ``holidays`` stays as given (default on); a zone with no known calendar and
    no explicit ``country`` gets none.
    """
    out = dict(params or {})
    country = out.get("country") or holiday_country(timezone)
    if country is None:
        out["holidays"] = False
    else:
        out.setdefault("holidays", True)
        out["country"] = country
    return out


def uses_china_calendar(timezone: str | None) -> bool:
    """True when a store in ``timezone`` follows China's holiday calendar (the default)."""
    return holiday_country(timezone) == "CN"


def calendar_known_until() -> date:
    """The last day for which the installed calendar knows holidays and 调休 days."""
    from chinese_calendar import constants

    return max(max(constants.holidays), max(constants.workdays))


def _calendar_range() -> tuple[date, date]:
    from chinese_calendar import constants

    return min(constants.holidays), calendar_known_until()


def day_classes(days: pd.DatetimeIndex, country: str = "CN") -> pd.DataFrame:
    """For each day: its holiday class (or None) and whether it is a make-up working day.

    ``country`` is ``CN`` (below) or ``US`` (:func:`us_day_classes`).

    Columns ``ds, holiday, makeup_workday``. Days outside the calendar's known range get no
    make-up day and the holidays the `holidays` package computes for any year (the lunar
    festivals included), mapped onto the same classes (:func:`_projected_class`).
    Spring Festival days are ``spring_festival``;
    the seven days after the break ``spring_festival_after`` (activity stays low);
    National Day's golden week (with a Mid-Autumn Festival merged into it)
    ``national_day``; every other official day off ``other_holiday``.
    """
    if country == "US":
        return us_day_classes(days)
    if country != "CN":
        raise ValueError(f"Unknown holiday calendar {country!r}; use one of {COUNTRIES}.")
    from chinese_calendar import Holiday, constants

    first, last = _calendar_range()
    klass: list[str | None] = []
    makeup = np.zeros(len(days), dtype=bool)
    sf_ends: list[date] = []
    for i, stamp in enumerate(days):
        day = stamp.date()
        if not first <= day <= last:
            klass.append(_projected_class(day))
            continue
        name = constants.holidays.get(day)
        if name is None:
            klass.append(None)
            makeup[i] = day in constants.workdays and day.weekday() >= 5
            continue
        if name == Holiday.spring_festival.value:
            klass.append("spring_festival")
            sf_ends.append(day)
        elif name == Holiday.national_day.value or (
            name == Holiday.mid_autumn_festival.value and day.month == 10
        ):
            klass.append("national_day")
        else:
            klass.append("other_holiday")
    frame = pd.DataFrame({"ds": days, "holiday": klass, "makeup_workday": makeup})
    _mark_after_spring_festival(frame)
    return frame


def _mark_after_spring_festival(frame: pd.DataFrame) -> None:
    from chinese_calendar import Holiday, constants

    ends = {
        d
        for d, name in constants.holidays.items()
        if name == Holiday.spring_festival.value
        and constants.holidays.get(d + timedelta(days=1)) != name
    }
    after = {end + timedelta(days=k) for end in ends for k in range(1, 8)}
    mask = frame["holiday"].isna() & pd.Series(frame["ds"].dt.date).isin(after).to_numpy()
    frame.loc[mask, "holiday"] = "spring_festival_after"


def _projected_class(day: date) -> str | None:
    """The class of a day past the published calendar, from the `holidays` package's rules.

    The Spring Festival break is projected as the lunar New Year's Eve plus the following
    six days (the length of every published break), the next seven days as
    ``spring_festival_after``; National Day's golden week as 1–7 October; New Year's Day,
    Labour Day 1–5 May and the package's other statutory days (Tomb-Sweeping, Dragon Boat,
    a Mid-Autumn Festival outside October) as ``other_holiday``.
    """
    offset = (day - lunar_new_year(day.year)).days
    if -1 <= offset <= 5:
        return "spring_festival"
    if 6 <= offset <= 12:
        return "spring_festival_after"
    if day.month == 10 and day.day <= 7:
        return "national_day"
    if (day.month, day.day) == (1, 1) or (day.month == 5 and day.day <= 5):
        return "other_holiday"
    name = _china_statutory(day.year).get(day)
    if name is None:
        return None
    return "national_day" if "Mid-Autumn" in name and day.month == 10 else "other_holiday"


@cache
def _china_statutory(year: int) -> dict[date, str]:
    """China's statutory holidays in ``year`` by the `holidays` package (English names);
    its lunar festivals are computed, so every year is known."""
    import holidays

    return dict(holidays.country_holidays("CN", years=year, language="en_US").items())


def lunar_new_year(year: int) -> date:
    """The first day of the lunar year that starts in ``year`` (Spring Festival's day)."""
    return min(
        day
        for day, name in _china_statutory(year).items()
        if name.startswith("Chinese New Year (Spring Festival)") and "observed" not in name
    )


def makeup_workdays(days: pd.DatetimeIndex) -> np.ndarray:
    """1.0 on make-up working days (weekend days worked to bridge a holiday), else 0.0."""
    return day_classes(days)["makeup_workday"].to_numpy(dtype=float)


def prophet_holidays(start: date, end: date) -> pd.DataFrame:
    """Prophet's ``holidays`` frame (``holiday, ds``) for the classes between two days."""
    frame = day_classes(pd.date_range(start, end))
    frame = frame.dropna(subset=["holiday"])
    return frame[["holiday", "ds"]].reset_index(drop=True)


def us_day_classes(days: pd.DatetimeIndex) -> pd.DataFrame:
    """The US federal holidays for each day (same columns as :func:`day_classes`).

    Each holiday is its own class named after it (``thanksgiving_day``, ``christmas_day``…);
    a holiday falling on a weekend marks its observed weekday with the same class, and the
    day after Thanksgiving is ``thanksgiving_day_after``. There are no make-up working days.
    From the ``holidays`` package (rules, not a published table: every year is known).
    """
    import holidays

    marked: dict[pd.Timestamp, str] = {}
    if len(days):
        years = range(days.min().year, days.max().year + 1)
        for day, name in sorted(holidays.country_holidays("US", years=years).items()):
            label = _class_name(name.split(";")[0])
            marked[pd.Timestamp(day)] = label
            if label == "thanksgiving_day":
                marked[pd.Timestamp(day) + pd.Timedelta(days=1)] = "thanksgiving_day_after"
    klass = [marked.get(day) for day in days]
    return pd.DataFrame({"ds": days, "holiday": klass, "makeup_workday": np.zeros(len(days), bool)})


def _class_name(name: str) -> str:
    base = name.replace("(observed)", "").replace("'", "").strip().lower()
    return "".join(c if c.isalnum() else "_" for c in base).strip("_").replace("__", "_")
