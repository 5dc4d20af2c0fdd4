"""Period arithmetic: parsing as people write periods, named ranges, 环比 and 同比 (properties)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics import PeriodError, parse_period
from metrics.period import month_of, span, week_of

days = st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31))


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2025年", "2025"),
        ("2025年3月", "2025-03"),
        ("2025年03月份", "2025-03"),
        ("2025年第1季度", "2025Q1"),
        ("2025年2季度", "2025Q2"),
        ("2025-Q1", "2025Q1"),
        ("2025 q4", "2025Q4"),
        ("2025/03", "2025-03"),
        ("2025.3", "2025-03"),
        ("2025年第9周", "2025-W09"),
        (" 2025-03 ", "2025-03"),
        ("2025-03-01..2025-03-31", "2025-03"),
        ("2025-01-01..2025-03-31", "2025Q1"),
        ("2025-01-01..2025-12-31", "2025"),
        ("2025-03-03..2025-03-09", "2025-W10"),
        ("2025-03-05..2025-03-20", "2025-03-05..2025-03-20"),
    ],
)
def test_written_periods_and_named_ranges(text, label):
    assert parse_period(text).label == label


@pytest.mark.parametrize(
    ("text", "previous", "year_ago"),
    [
        ("2025-03", "2025-02", "2024-03"),
        ("2025-01", "2024-12", "2024-01"),
        ("2025Q1", "2024Q4", "2024Q1"),
        ("2025", "2024", "2024"),
        ("2025-W01", "2024-W52", "2024-W01"),
        ("2025-03-01..2025-03-31", "2025-02", "2024-03"),
        ("2025-03-05..2025-03-20", "2025-02-17..2025-03-04", "2024-03-05..2024-03-20"),
        ("2024-02-29..2024-02-29", "2024-02-28", "2023-02-28"),
    ],
)
def test_previous_and_year_ago(text, previous, year_ago):
    p = parse_period(text)
    assert p.previous().label == previous
    assert p.year_ago().label == year_ago


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("2025-02-30..2025-03-31", "2025-02-30 does not exist"),
        ("2025Q5", "not a valid period"),
        ("2025-03-31..2025-03-01", "ends before it starts"),
        ("2025-W54", "not a valid period"),
        ("2025年13月", "not a valid period"),
    ],
)
def test_impossible_periods_are_one_sentence(bad, says):
    with pytest.raises(PeriodError, match=says) as err:
        parse_period(bad)
    assert "\n" not in str(err.value)


@given(days, days)
def test_a_range_is_the_named_period_it_spans(a, b):
    start, end = min(a, b), max(a, b)
    p = span(start, end)
    assert (p.start, p.end) == (start, end)
    assert parse_period(f"{start.isoformat()}..{end.isoformat()}") == p
    assert parse_period(p.label) == p  # every label parses back to the same period


@given(days)
def test_named_periods_of_a_day(day):
    m, w = month_of(day), week_of(day)
    assert m.kind == "month" and m.start <= day <= m.end
    assert w.kind == "week" and w.start <= day <= w.end and w.days == 7
    y = parse_period(str(day.year))
    q = parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")
    assert y.start <= q.start <= day <= q.end <= y.end


@given(days, st.integers(min_value=0, max_value=400))
def test_previous_is_the_equally_long_span_just_before(day, length):
    for p in (span(day, day + timedelta(days=length)), month_of(day), week_of(day)):
        prev = p.previous()
        assert prev.end == p.start - timedelta(days=1)
        assert prev.kind == p.kind or p.kind == "range"
        if p.kind in ("range", "week"):
            assert prev.days == p.days


@given(days)
def test_year_ago_of_a_month_and_a_day(day):
    m = month_of(day).year_ago()
    assert (m.start.year, m.start.month) == (day.year - 1, day.month)
    d = span(day, day).year_ago()
    assert d.start.year == day.year - 1 and d.days == 1
