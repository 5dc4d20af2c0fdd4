"""China's working-day calendar (holidays and 调休 make-up days) for derived deadlines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from metrics.errors import RuleSetError

_EPOCH = date(1970, 1, 1)
_LONGEST_RANGE = 31  # days; a longer range of days off or worked is a typing error
_KEYS = ("holidays", "working")
# chinese_calendar and holidays are imported by the functions that consult them: only a rule
# set with working-day deadlines does, and importing them costs the command line ~0.1 s.


@cache
def sources() -> dict[str, str]:
    """The calendar's sources and their versions (a cube's deadlines depend on them)."""
    import chinese_calendar
    import holidays

    return {"chinese_calendar": chinese_calendar.__version__, "holidays": holidays.__version__}


@dataclass(frozen=True)
class CityCalendar:
    """A city's copy of the State Council's yearly notice (国务院办公厅关于某年部分节假日安排的
    通知): the days off and the 调休 weekend days worked. Its ``years`` are those of its
    days off; in those years it alone decides (other days: Monday–Friday)."""

    holidays: frozenset[date] = frozenset()
    working: frozenset[date] = frozenset()

    @property
    def years(self) -> frozenset[int]:
        """The years whose notice this calendar holds (the years of its days off)."""
        return frozenset(d.year for d in self.holidays)

    def __bool__(self) -> bool:
        return bool(self.holidays or self.working)

    def canonical(self) -> dict[str, list[str]]:
        """Both lists as sorted ISO dates (what the rule set's hash covers)."""
        return {k: sorted(d.isoformat() for d in getattr(self, k)) for k in _KEYS}


NO_CITY = CityCalendar()


@cache
def published(year: int) -> bool:
    """True when chinese_calendar holds the year's notice (holidays and 调休 make-up days)."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _statutory(year: int) -> frozenset[date]:
    """The year's statutory days off from ``holidays`` (with its 补假 for weekend holidays)."""
    import holidays

    return frozenset(holidays.China(years=year))


@cache
def is_workday(day: date, city: CityCalendar = NO_CITY) -> bool:
    """True on a working day. In order: a day the city's calendar lists; Monday–Friday in a
    year the city's calendar holds; chinese_calendar in the years it knows (statutory
    holidays off, 调休 weekend days worked); otherwise Monday–Friday except the statutory
    holidays of the ``holidays`` package (no 调休 make-up days: they are not yet published).
    """
    if day in city.working:
        return True
    if day in city.holidays:
        return False
    if day.year in city.years:
        return day.weekday() < 5
    if published(day.year):
        import chinese_calendar

        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5 and day not in _statutory(day.year)


def add_workdays(day: date, n: int, city: CityCalendar = NO_CITY) -> date:
    """The n-th working day strictly after ``day`` (n ≥ 1)."""
    current, left = day, n
    while left > 0:
        current += timedelta(days=1)
        if is_workday(current, city):
            left -= 1
    return current


def due_day_rows(
    first: date, last: date, days_by_urgency: dict[str, int], city: CityCalendar = NO_CITY
) -> list[tuple]:
    """Rows (day number since 1970-01-01, urgency, due day number) for every reported day."""
    rows = []
    day = first
    while day <= last:
        for urgency, n in days_by_urgency.items():
            due = add_workdays(day, n, city)
            rows.append(((day - _EPOCH).days, urgency, (due - _EPOCH).days))
        day += timedelta(days=1)
    return rows


def assumed_years(
    first: date, last: date, days_by_urgency: dict[str, int], city: CityCalendar = NO_CITY
) -> tuple[int, ...]:
    """The years between ``first`` and the latest deadline of a day reported by ``last`` whose
    调休 make-up days neither chinese_calendar nor the city's calendar knows."""
    if not days_by_urgency or last < first:
        return ()
    end = add_workdays(last, max(days_by_urgency.values()), city).year
    return tuple(y for y in range(first.year, end + 1) if not published(y) and y not in city.years)


#: The note on deadlines that rest on statutory holidays only, by language.
NOTE = {
    "zh": "{years} 年：仅按法定节假日计算工作日，调休上班日尚未公布",
    "en": "{years}: statutory holidays only; 调休 make-up days not yet published",
}


def calendar_note(years: tuple[int, ...], lang: str = "en") -> str:
    """One line saying which years' deadlines rest on statutory holidays only ('' if none)."""
    return NOTE[lang].format(years=", ".join(map(str, years))) if years else ""


_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:\.\.\s*(\d{4}-\d{2}-\d{2})\s*)?$")


def parse_city(raw: object, origin: str) -> CityCalendar:
    """The ``[workdays]`` table of a rule set: ``holidays`` and ``working``, each a list of
    dates (2027-02-06, quoted or not) or ranges ('2027-02-06..2027-02-12'). Raise
    RuleSetError (one sentence naming the key or date) when it is not."""
    if not isinstance(raw, dict):
        raise RuleSetError(f"[workdays] in {origin} must be a table with holidays and working.")
    for key in raw:
        if key not in _KEYS:
            raise RuleSetError(f"[workdays] in {origin} has an unknown key {key!r}.")
    lists = {k: _days(raw.get(k, []), k, origin) for k in _KEYS}
    both = sorted(lists["holidays"] & lists["working"])
    if both:
        raise RuleSetError(
            f"The date {both[0].isoformat()} is both a holiday and a working day in "
            f"[workdays] of {origin}."
        )
    return CityCalendar(holidays=lists["holidays"], working=lists["working"])


def _days(items: object, key: str, origin: str) -> frozenset[date]:
    if not isinstance(items, list):
        raise RuleSetError(f"workdays.{key} in {origin} must be a list of dates.")
    out: set[date] = set()
    for item in items:
        lo, hi = _range(item, key, origin)
        if (hi - lo).days >= _LONGEST_RANGE:
            raise RuleSetError(
                f"The range {item!r} in workdays.{key} of {origin} is longer than "
                f"{_LONGEST_RANGE} days."
            )
        out.update(lo + timedelta(days=i) for i in range((hi - lo).days + 1))
    return frozenset(out)


def _range(item: object, key: str, origin: str) -> tuple[date, date]:
    bad = RuleSetError(
        f"The value {item!r} in workdays.{key} of {origin} is not a date such as 2027-02-06 "
        "or a range such as 2027-02-06..2027-02-12."
    )
    if isinstance(item, date) and not hasattr(item, "hour"):
        return item, item
    match = _RANGE.match(item) if isinstance(item, str) else None
    if match is None:
        raise bad
    try:
        lo = date.fromisoformat(match[1])
        hi = date.fromisoformat(match[2]) if match[2] else lo
    except ValueError:
        raise bad from None
    if hi < lo:
        raise RuleSetError(
            f"The range {item!r} in workdays.{key} of {origin} ends before it starts."
        )
    return lo, hi
