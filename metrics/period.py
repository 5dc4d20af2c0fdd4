"""Assessment periods (2025, 2025Q1, 2025-03, 2025-W09, a..b) and as-of instants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from metrics.errors import PeriodError

_HELP = "such as 2025, 2025Q1, 2025-03, 2025-W09 or 2025-03-01..2025-03-31"


@dataclass(frozen=True)
class Period:
    """A span of local calendar days, both ends inclusive."""

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
        """The period of the same kind just before (previous year/quarter/month/week;
        for a date range, the same number of days ending the day before it starts)."""
        if self.kind == "year":
            return parse_period(str(self.start.year - 1))
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            y, q = (self.start.year, q - 1) if q > 1 else (self.start.year - 1, 4)
            return parse_period(f"{y}Q{q}")
        if self.kind == "month":
            prev = self.start - timedelta(days=1)
            return parse_period(f"{prev.year}-{prev.month:02d}")
        if self.kind == "week":
            prev = self.start - timedelta(days=7)
            y, w, _ = prev.isocalendar()
            return parse_period(f"{y}-W{w:02d}")
        end = self.start - timedelta(days=1)
        start = end - timedelta(days=self.days - 1)
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")


def parse_period(text: str | Period) -> Period:
    """Parse the contract's period syntax; raise PeriodError (one sentence) when it is not."""
    if isinstance(text, Period):
        return text
    raw = str(text).strip()
    try:
        return _parse(raw)
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"The period {raw!r} is not a valid period {_HELP}.") from None


def _parse(raw: str) -> Period:
    if m := re.fullmatch(r"(\d{4})", raw):
        y = int(m[1])
        return Period(date(y, 1, 1), date(y, 12, 31), raw, "year")
    if m := re.fullmatch(r"(\d{4})[Qq]([1-4])", raw):
        y, q = int(m[1]), int(m[2])
        start = date(y, 3 * q - 2, 1)
        end = (date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)) - timedelta(days=1)
        return Period(start, end, f"{y}Q{q}", "quarter")
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
        y, mo = int(m[1]), int(m[2])
        start = date(y, mo, 1)
        end = (date(y + 1, 1, 1) if mo == 12 else date(y, mo + 1, 1)) - timedelta(days=1)
        return Period(start, end, f"{y}-{mo:02d}", "month")
    if m := re.fullmatch(r"(\d{4})-[Ww](\d{1,2})", raw):
        y, w = int(m[1]), int(m[2])
        start = date.fromisocalendar(y, w, 1)
        return Period(start, start + timedelta(days=6), f"{y}-W{w:02d}", "week")
    if m := re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})\s*\.\.\s*(\d{4}-\d{1,2}-\d{1,2})", raw):
        start, end = _date(m[1]), _date(m[2])
        if end < start:
            raise PeriodError(f"The period {raw!r} ends before it starts.")
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", raw):
        day = _date(raw)
        return Period(day, day, day.isoformat(), "range")
    raise ValueError(raw)


def _date(text: str) -> date:
    y, m, d = (int(p) for p in text.split("-"))
    return date(y, m, d)


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
