"""China's working-day calendar (holidays and 调休 make-up days) for derived deadlines."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar

_EPOCH = date(1970, 1, 1)


@cache
def is_workday(day: date) -> bool:
    """True on a working day: statutory holidays are off, 调休 weekend days are worked.

    Outside the years chinese_calendar knows, Monday–Friday are working days.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(day: date, n: int) -> date:
    """The n-th working day strictly after ``day`` (n ≥ 1)."""
    current, left = day, n
    while left > 0:
        current += timedelta(days=1)
        if is_workday(current):
            left -= 1
    return current


def due_day_rows(first: date, last: date, days_by_urgency: dict[str, int]) -> list[tuple]:
    """Rows (day number since 1970-01-01, urgency, due day number) for every reported day."""
    rows = []
    day = first
    while day <= last:
        for urgency, n in days_by_urgency.items():
            due = add_workdays(day, n)
            rows.append(((day - _EPOCH).days, urgency, (due - _EPOCH).days))
        day += timedelta(days=1)
    return rows
