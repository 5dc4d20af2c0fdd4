"""The working-day calendar: chinese_calendar, the holidays package, a city's own notice."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from datetime import datetime as dt
from pathlib import Path

import chinese_calendar
import holidays
import openpyxl
import pandas as pd
import pytest
from metrics_factory import insert, make_case

from metrics import RuleSetError, kpi_table, load_rules, parse_rules, red_cards, write_assessment
from metrics.selection import Selection
from metrics.workdays import add_workdays, assumed_years, is_workday, published

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "sample_data" / "rules" / "working-days-2026.toml"
WD = 'name = "wd"\ncalendar = "working_days"\n[deadline_working_days]\ngeneral = 3\n'
# The city's notice for 2031 (made up for the test): Jan 22–28 off, Sat Jan 18 and Sat
# Feb 8 worked.
CITY_2031 = (
    '[workdays]\nholidays = ["2031-01-22..2031-01-28"]\nworking = [2031-01-18, "2031-02-08"]\n'
)
NOTE_2031 = "2031: statutory holidays only; 调休 make-up days not yet published"


def _days(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def test_where_chinese_calendar_knows_the_year_nothing_changes():
    years = [y for y in range(2000, 2031) if published(y)]
    assert years[0] == 2004 and years[-1] == 2026  # chinese_calendar 1.11.0
    makeup, differs = set(), set()
    for year in years:
        off = holidays.China(years=year)
        for day in _days(year):
            assert is_workday(day) == chinese_calendar.is_workday(day), day
            statutory_only = day.weekday() < 5 and day not in off
            if statutory_only != chinese_calendar.is_workday(day):
                differs.add(day)
        makeup |= {d for d in chinese_calendar.constants.workdays if d.year == year}
    # the holidays package agrees on every day off; it lacks exactly the 调休 weekend days worked
    assert differs == {d for d in makeup if d.weekday() >= 5}
    assert len(differs) == 150


def test_a_year_only_the_holidays_package_knows():
    assert not published(2031)
    # 2031: New Year's Day Wed Jan 1; 除夕 Wed Jan 22, 春节 Thu Jan 23 – Sat Jan 25, and Mon
    # Jan 27 in lieu of the Saturday; Qingming Sat Apr 5 → Mon Apr 7 off.
    for off in ("2031-01-01", "2031-01-22", "2031-01-23", "2031-01-24", "2031-01-27"):
        assert not is_workday(date.fromisoformat(off)), off
    assert not is_workday(date(2031, 4, 7)) and not is_workday(date(2031, 1, 18))  # a Saturday
    for worked in ("2031-01-15", "2031-01-28", "2031-03-12"):  # plain Wednesdays and a Tuesday
        assert is_workday(date.fromisoformat(worked)), worked
    # Tue Jan 21 + 3 working days: Jan 22–27 off → Wed 28, Thu 29, Thu 30
    assert add_workdays(date(2031, 1, 21), 3) == date(2031, 1, 30)
    assert assumed_years(date(2031, 1, 1), date(2031, 1, 31), {"general": 3}) == (2031,)
    # late December's deadlines reach into a year without published make-up days
    assert assumed_years(date(2026, 12, 1), date(2026, 12, 31), {"general": 5}) == (2027,)
    assert assumed_years(date(2026, 3, 1), date(2026, 3, 31), {"general": 5}) == ()


def test_a_city_notice_decides_its_year():
    rules = parse_rules(WD + CITY_2031)
    city = rules.workdays
    assert city.years == {2031}
    assert is_workday(date(2031, 1, 18), city) and is_workday(date(2031, 2, 8), city)
    assert not is_workday(date(2031, 1, 28), city)
    assert is_workday(date(2031, 4, 7), city)  # the file holds 2031: Qingming is not in it
    # Wed Jan 15 + 3: Thu 16, Fri 17, Sat 18 (worked) → Sat Jan 18
    assert add_workdays(date(2031, 1, 15), 3, city) == date(2031, 1, 18)
    assert add_workdays(date(2031, 1, 15), 3) == date(2031, 1, 20)  # without: Mon Jan 20
    # Fri Feb 7 + 1: the make-up Saturday Feb 8, where Monday Feb 10 without the file
    assert add_workdays(date(2031, 2, 7), 1, city) == date(2031, 2, 8)
    assert add_workdays(date(2031, 2, 7), 1) == date(2031, 2, 10)
    assert assumed_years(date(2031, 1, 1), date(2031, 1, 31), {"general": 3}, city) == ()


def test_the_shipped_example_is_the_2026_notice():
    rules = load_rules(EXAMPLE)
    assert rules.calendar == "working_days" and rules.workdays.years == {2026}
    for day in _days(2026):
        assert is_workday(day, rules.workdays) == chinese_calendar.is_workday(day), day


def test_the_hash_covers_the_city_notice():
    plain, with_city = parse_rules(WD), parse_rules(WD + CITY_2031)
    assert plain.hash != with_city.hash and "workdays" not in plain.canonical()
    moved = parse_rules(WD + CITY_2031.replace("2031-02-08", "2031-02-15"))
    assert moved.hash != with_city.hash
    # the same days written otherwise (single dates, another order) give the same hash
    spelled = parse_rules(
        WD
        + "[workdays]\nworking = ['2031-02-08', '2031-01-18']\nholidays = ["
        + ", ".join(f"'2031-01-{d}'" for d in range(28, 21, -1))
        + "]\n"
    )
    assert spelled.hash == with_city.hash
    assert with_city.canonical()["workdays"]["working"] == ["2031-01-18", "2031-02-08"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('holidays = ["2027-02-30"]', "'2027-02-30' in workdays.holidays"),
        ('working = ["2027/02/14"]', "'2027/02/14' in workdays.working"),
        ("holidays = [20270206]", "20270206 in workdays.holidays"),
        ('holidays = ["2027-02-12..2027-02-06"]', "ends before it starts"),
        ('holidays = ["2027-01-01..2027-03-01"]', "longer than 31 days"),
        ('holidays = "2027-02-06"', "workdays.holidays in the rule set must be a list"),
        ('weekend = ["2027-02-06"]', "unknown key 'weekend'"),
        (
            'holidays = ["2027-02-06..2027-02-15"]\nworking = ["2027-02-14"]',
            "The date 2027-02-14 is both a holiday and a working day",
        ),
    ],
)
def test_a_bad_notice_is_one_sentence_naming_it(table, message):
    with pytest.raises(RuleSetError) as err:
        parse_rules(WD + "[workdays]\n" + table + "\n")
    assert message in str(err.value) and str(err.value).count(". ") == 0
    with pytest.raises(RuleSetError, match="needs calendar"):
        parse_rules('name = "n"\n[workdays]\nworking = ["2027-02-14"]\n')


def _tiny_2031(store) -> None:
    """Five general-urgency cases around the 2031 Spring Festival (see the test below)."""
    insert(
        store,
        [
            make_case(case_id="A", reported_at=dt(2031, 1, 21, 10), closed_at=dt(2031, 1, 30, 9)),
            make_case(case_id="B", reported_at=dt(2031, 1, 21, 11), closed_at=dt(2031, 1, 31, 9)),
            make_case(case_id="C", reported_at=dt(2031, 1, 15, 9), closed_at=dt(2031, 1, 17, 16)),
            make_case(case_id="D", reported_at=dt(2031, 1, 16, 9)),
            make_case(case_id="E", reported_at=dt(2031, 1, 31, 10)),
        ],
    )


AS_OF = "2031-02-05 09:00"


def test_on_time_rate_in_a_year_only_the_holidays_package_knows(store):
    _tiny_2031(store)
    # Statutory holidays only (Jan 22–27 off), 3 working days: A due Thu Jan 30 10:00 (closed
    # 09:00: on time), B due Jan 30 11:00 (closed Jan 31: late), C due Mon Jan 20 09:00 (on
    # time), D due Tue Jan 21 09:00 (open, past due), E due Wed Feb 5 10:00 (not yet due).
    t = kpi_table(store, Selection.build("city", "2031-01", rules=parse_rules(WD), as_of=AS_OF))
    assert (t.loc[0, "on_time_rate_num"], t.loc[0, "on_time_rate_den"]) == (2, 4)
    assert t.loc[0, "on_time_rate"] == 0.5 and t.loc[0, "overdue_open"] == 1
    assert t.attrs["calendar_note"] == NOTE_2031 and t.attrs["assumed_years"] == (2031,)
    # The city's notice (Jan 22–28 off, Sat Jan 18 worked): A due Fri Jan 31 10:00, B Jan 31
    # 11:00 (closed 09:00: on time now), C Sat Jan 18 09:00 (on time), D Mon Jan 20 09:00.
    city = parse_rules(WD + CITY_2031)
    t = kpi_table(store, Selection.build("city", "2031-01", rules=city, as_of=AS_OF))
    assert (t.loc[0, "on_time_rate_num"], t.loc[0, "on_time_rate_den"]) == (3, 4)
    assert t.loc[0, "on_time_rate"] == 0.75 and t.attrs["calendar_note"] == ""
    red = red_cards(store, Selection.build("city", None, rules=city, as_of=AS_OF))
    assert red.set_index("case_id").loc["D", "deadline"] == pd.Timestamp("2031-01-20 09:00")
    red = red_cards(store, Selection.build("city", None, rules=parse_rules(WD), as_of=AS_OF))
    assert red.set_index("case_id").loc["D", "deadline"] == pd.Timestamp("2031-01-21 09:00")
    assert red.attrs["calendar_note"] == NOTE_2031


def test_the_note_is_in_the_csv_and_on_the_rule_set_sheet(duck_store, tmp_path):
    _tiny_2031(duck_store)
    sel = Selection.build("street", "2031-01", rules=parse_rules(WD), as_of=AS_OF)
    write_assessment(duck_store, sel, tmp_path / "a.csv")
    with (tmp_path / "a.csv").open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames[-1] == "calendar_note"
    assert rows and {r["calendar_note"] for r in rows} == {NOTE_2031}
    write_assessment(duck_store, sel, tmp_path / "a.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx")["规则集"]
    lines = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert lines["工作日历说明"] == "2031 年：仅按法定节假日计算工作日，调休上班日尚未公布"
    # a year chinese_calendar knows: an empty note, no line on the sheet
    insert(duck_store, [make_case(reported_at=dt(2025, 3, 3, 9))])
    known = Selection.build("street", "2025-03", rules=parse_rules(WD), as_of=AS_OF)
    write_assessment(duck_store, known, tmp_path / "b.csv")
    with (tmp_path / "b.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert {r["calendar_note"] for r in csv.DictReader(fh)} == {""}
    write_assessment(duck_store, known, tmp_path / "b.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["规则集"]
    assert "工作日历说明" not in {row[0] for row in sheet.iter_rows(values_only=True)}
