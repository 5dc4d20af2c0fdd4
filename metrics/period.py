"""Period arithmetic, in one place: parsing, previous period, same period a year earlier."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from metrics.errors import PeriodError

_HELP = "such as 2025, 2025Q1, 2025-03, 2025-W09 or 2025-03-01..2025-03-31"


@dataclass(frozen=True)
class Period:
    """A span of local calendar days, both ends inclusive.

    ``kind`` is year, quarter, month, week or range; a range is never exactly a named period
    (parse_period and :func:`span` turn such a range into that period)."""

    start: date
    end: date
    label: str
    kind: str  # year | quarter | month | week | range

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """Local wall-clock instants [start 00:00, day after end 00:00)."""
        return (
            datetime.combine(self.start, time()),
            datetime.combine(self.end + timedelta(days=1), time()),
        )

    def previous(self) -> Period:
        """环比: the period of the same kind just before (previous year, quarter, month or
        ISO week); for a range, the equally long range ending the day before it starts."""
        if self.kind == "year":
            return _year(self.start.year - 1)
        if self.kind == "quarter":
            return _month_span(_months_before(self.start, 3), 3)
        if self.kind == "month":
            return _month_span(_months_before(self.start, 1), 1)
        if self.kind == "week":
            return _week(self.start - timedelta(days=7))
        end = self.start - timedelta(days=1)
        return span(end - timedelta(days=self.days - 1), end)

    def year_ago(self) -> Period:
        """同比: the same period one year earlier (2025-03 → 2024-03, 2025-W09 → 2024-W09
        when that year has the week, else the days 364 earlier); a range moves to the same
        calendar dates, 29 February to the 28th."""
        if self.kind in ("year", "quarter", "month"):
            months = {"year": 12, "quarter": 3, "month": 1}[self.kind]
            return _month_span(self.start.replace(year=self.start.year - 1), months)
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            if week <= 52 or date(year - 1, 12, 28).isocalendar()[1] == 53:
                return _week(date.fromisocalendar(year - 1, week, 1))
            return span(self.start - timedelta(days=364), self.end - timedelta(days=364))
        return span(_year_before(self.start), _year_before(self.end))


def span(start: date, end: date) -> Period:
    """The period from ``start`` to ``end`` (inclusive): the named period it exactly is
    (year, quarter, month, ISO week), else a range."""
    if end < start:
        raise PeriodError(
            f"The period {start.isoformat()}..{end.isoformat()} ends before it starts."
        )
    nxt = end + timedelta(days=1)
    if start.day == 1 and nxt.day == 1:
        months = (nxt.year - start.year) * 12 + nxt.month - start.month
        if months == 12 and start.month == 1:
            return _year(start.year)
        if (months == 3 and start.month % 3 == 1) or months == 1:
            return _month_span(start, months)
    if start.isoweekday() == 1 and (end - start).days == 6:
        return _week(start)
    label = start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"
    return Period(start, end, label, "range")


def month_of(day: date) -> Period:
    """The calendar month ``day`` falls in."""
    return _month_span(day.replace(day=1), 1)


def week_of(day: date) -> Period:
    """The ISO week (Monday–Sunday) ``day`` falls in."""
    return _week(day - timedelta(days=day.weekday()))


def _year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y, 12, 31), str(y), "year")


def _month_span(start: date, months: int) -> Period:
    """The quarter (3) or month (1) starting at ``start`` (a year for 12)."""
    if months == 12:
        return _year(start.year)
    total = start.month - 1 + months
    end = date(start.year + total // 12, total % 12 + 1, 1) - timedelta(days=1)
    if months == 3:
        return Period(start, end, f"{start.year}Q{(start.month - 1) // 3 + 1}", "quarter")
    return Period(start, end, f"{start.year}-{start.month:02d}", "month")


def _months_before(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)


def _week(monday: date) -> Period:
    y, w, _ = monday.isocalendar()
    start = date.fromisocalendar(y, w, 1)
    return Period(start, start + timedelta(days=6), f"{y}-W{w:02d}", "week")


def _year_before(day: date) -> date:
    return day.replace(year=day.year - 1, day=28 if (day.month, day.day) == (2, 29) else day.day)


def latest_full_month(last: date | datetime | None) -> Period:
    """The latest calendar month a store whose last case is ``last`` covers to its last day
    (else the month before): the pages' default period. None (an empty store): this month."""
    day = date.today() if last is None else last.date() if isinstance(last, datetime) else last
    if last is not None and (day + timedelta(days=1)).month == day.month:
        day = day.replace(day=1) - timedelta(days=1)
    return month_of(day)


_WRITTEN = (  # how people write periods in Chinese offices → the contract's syntax
    (r"(\d{4})\s*年", r"\1"),
    (r"(\d{4})\s*年\s*(\d{1,2})\s*月(份)?", r"\1-\2"),
    (r"(\d{4})\s*年\s*第?\s*([1-4])\s*季度?", r"\1Q\2"),
    (r"(\d{4})\s*年\s*第\s*(\d{1,2})\s*周", r"\1-W\2"),
    (r"(\d{4})\s*[-/ ]?\s*[Qq]([1-4])", r"\1Q\2"),
    (r"(\d{4})[/.](\d{1,2})", r"\1-\2"),
)


def written_period(text: str) -> str:
    """A period as people type it (2025年3月, 2025年第1季度, 2025/03, 2025-Q1, 2025年第9周)
    in the contract's syntax; anything else unchanged (the parser judges it)."""
    raw = text.strip()
    for pattern, repl in _WRITTEN:
        if re.fullmatch(pattern, raw):
            return re.sub(pattern, repl, raw)
    return raw


def parse_period(text: str | Period) -> Period:
    """Parse a period (the contract's syntax and the forms of :func:`written_period`);
    a range that is exactly a named period is that period. Raise PeriodError (one
    sentence) when it is not a period."""
    if isinstance(text, Period):
        return text
    raw = str(text).strip()
    try:
        return _parse(written_period(raw))
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"The period {raw!r} is not a valid period {_HELP}.") from None


def _parse(raw: str) -> Period:
    if m := re.fullmatch(r"(\d{4})", raw):
        return _year(int(m[1]))
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", raw):
        return _month_span(date(int(m[1]), 3 * int(m[2]) - 2, 1), 3)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
        return _month_span(date(int(m[1]), int(m[2]), 1), 1)
    if m := re.fullmatch(r"(\d{4})-[Ww](\d{1,2})", raw):
        return _week(date.fromisocalendar(int(m[1]), int(m[2]), 1))
    if m := re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})\s*\.\.\s*(\d{4}-\d{1,2}-\d{1,2})", raw):
        start, end = _date(m[1]), _date(m[2])
        if end < start:
            raise PeriodError(f"The period {raw!r} ends before it starts.")
        return span(start, end)
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", raw):
        day = _date(raw)
        return span(day, day)
    raise ValueError(raw)


def _date(text: str) -> date:
    y, m, d = (int(p) for p in text.split("-"))
    try:
        return date(y, m, d)
    except ValueError:
        raise PeriodError(f"The date {text} does not exist.") from None


_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)


def parse_as_of(
    value: str | datetime | date | None, timezone: str | None = None
) -> datetime | None:
    """An as-of instant as a naive local datetime in the store's time zone.

    Accepts the contract's timestamp formats (local `YYYY-MM-DD HH:MM[:SS]`,
    `YYYY/M/D H:MM[:SS]`, ISO 8601 with an offset, converted to ``timezone``),
    a bare date (midnight) or a datetime; None stays None.
    """
    if value is None:
        return None
    tz = ZoneInfo(timezone or "Asia/Shanghai")
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time())
    else:
        dt = _parse_instant(str(value).strip())
    if dt.tzinfo is not None:
        dt = dt.astimezone(tz).replace(tzinfo=None)
    return dt


def _parse_instant(raw: str) -> datetime:
    for fmt in _FORMATS:
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise PeriodError(
            f"The as-of time {raw!r} is not a timestamp such as 2025-04-10 00:00:00."
        ) from None
