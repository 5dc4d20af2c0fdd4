"""Registry validation, period parsing and rule sets (validation, hashing, working days)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics import (
    KPIS,
    MEASURES,
    PeriodError,
    RuleSetError,
    default_rules,
    label,
    parse_as_of,
    parse_period,
    parse_rules,
    validate_registry,
)
from metrics.assessment import grades_of
from metrics.cohort import predicates
from metrics.registry import ASSESSMENT_COLUMNS, DEPARTMENT_COLUMNS
from metrics.workdays import add_workdays, is_workday

CONTRACT_TOML = """\
name = "default"
[weights]                 # composite score 综合得分 (Beijing-style 三率)
response = 0.1
solved = 0.5
satisfaction = 0.4
[cooperation_weights]     # department cooperation index 部门协同指数
response = 0.25
on_time = 0.25
rating = 0.30
no_reassign = 0.20
[satisfaction]
basically_satisfied = 0.9 # 基本满意 counts as 0.9 of 满意
[response_sla_minutes]
default = 120
whistle = 30              # 吹哨报到: departments respond within 30 minutes
[deadline_hours]          # only for cases without a deadline
emergency = 2
utility = 24
general = 168
complex = 360
[grades]                  # lower bound of each grade on composite_score
A = 90
B = 75
C = 60
D = 40
"""


def test_registry_has_no_validation_issues():
    assert validate_registry() == []


def test_registry_covers_contract_and_labels():
    ids = [k.id for k in KPIS]
    for col in (
        *ASSESSMENT_COLUMNS,
        *DEPARTMENT_COLUMNS,
        "handling_rate",
        "on_time_handling_rate",
        "volume_per_1k_households",
    ):
        assert col in ids
    assert label("response_rate") == "响应率" and label("response_rate", "en") == "Response rate"
    assert label("handling_rate") == "处置率" and label("on_time_handling_rate") == "按期处置率"
    assert label("response_rate_lo", "en") == "Response rate lower bound"


def test_every_case_measure_has_sql():
    from sqlalchemy import column, table

    v = table(
        "v",
        *[
            column(c)
            for c in (
                "rep_e",
                "disp_e",
                "resp_e",
                "res_e",
                "close_e",
                "res_hi",
                "close_hi",
                "disp_day",
                "due_e",
                "held",
                "sla_s",
                "solved",
                "resp_d",
                "hand_d",
                "satisfaction",
                "reopened",
                "reassigned",
                "excluded",
                "source",
                "self_handled",
                "extended",
            )
        ],
    )
    have = set(predicates(v, 0.0, default_rules()))
    need = {m.name for m in MEASURES} - {"households", "rating_score"}
    assert need == have


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 31), "year"),
        ("2025Q1", date(2025, 1, 1), date(2025, 3, 31), "quarter"),
        ("2024Q4", date(2024, 10, 1), date(2024, 12, 31), "quarter"),
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28), "month"),
        ("2025-W09", date(2025, 2, 24), date(2025, 3, 2), "week"),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), "week"),
        ("2025-03-01..2025-03-31", date(2025, 3, 1), date(2025, 3, 31), "month"),
        ("2025-03-05..2025-03-20", date(2025, 3, 5), date(2025, 3, 20), "range"),
    ],
)
def test_periods(text, start, end, kind):
    p = parse_period(text)
    assert (p.start, p.end, p.kind) == (start, end, kind)
    assert p.bounds() == (
        datetime.combine(start, datetime.min.time()),
        datetime.combine(end, datetime.min.time()).replace(day=end.day)
        + (datetime(2000, 1, 2) - datetime(2000, 1, 1)),
    )


def test_previous_periods():
    assert parse_period("2025Q1").previous().label == "2024Q4"
    assert parse_period("2025-01").previous().label == "2024-12"
    assert parse_period("2025-W01").previous().label == "2024-W52"
    assert parse_period("2025").previous().label == "2024"
    prev = parse_period("2025-03-10..2025-03-16").previous()
    assert (prev.start, prev.end) == (date(2025, 3, 3), date(2025, 3, 9))


@pytest.mark.parametrize(
    "bad",
    [
        "2025-13",
        "2025Q5",
        "2025-W54",
        "25",
        "2025-03-31..2025-03-01",
        "last month",
        "",
        "2025-02-30..2025-03-01",
    ],
)
def test_bad_periods_raise_one_sentence(bad):
    with pytest.raises(PeriodError) as err:
        parse_period(bad)
    assert isinstance(err.value, ValueError)
    msg = str(err.value)
    assert msg.endswith(".") and "\n" not in msg and msg.count(". ") == 0


def test_as_of_formats():
    want = datetime(2025, 4, 10, 8, 5)
    assert parse_as_of("2025-04-10 08:05") == want
    assert parse_as_of("2025/4/10 8:05:00") == want
    assert parse_as_of("2025-04-10T00:05:00+00:00") == want  # converted to Asia/Shanghai
    assert parse_as_of("2025-04-10") == datetime(2025, 4, 10)
    with pytest.raises(PeriodError):
        parse_as_of("yesterday")


def test_default_rules_equal_the_contract():
    r = default_rules()
    contract = parse_rules(CONTRACT_TOML)
    assert r.hash == contract.hash and r.name == "default"
    assert r.weights == {"response": 0.1, "solved": 0.5, "satisfaction": 0.4}
    assert r.text == CONTRACT_TOML


def test_hash_ignores_layout_but_not_content():
    base = parse_rules(CONTRACT_TOML)
    relaid = parse_rules(
        "# re-laid out\n"
        + CONTRACT_TOML.replace(" = ", "=").replace("rating = 0.30", "rating = 0.3")
    )
    assert relaid.hash == base.hash
    again = parse_rules(CONTRACT_TOML)
    assert again.hash == base.hash
    changed = parse_rules(CONTRACT_TOML.replace("solved = 0.5", "solved = 0.45"))
    assert changed.hash != base.hash
    renamed = parse_rules(CONTRACT_TOML.replace('name = "default"', 'name = "copy"'))
    assert renamed.hash == base.hash and renamed.name == "copy"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('name = "x"\n[weights]\nresponse = -1\nsolved = 1\nsatisfaction = 1', "negative"),
        ('name = "x"\n[weights]\nresponse = 0\nsolved = 0\nsatisfaction = 0', "all be zero"),
        ('name = "x"\n[weights]\nresponse = 0.5\nsolved = 0.5', "lacks satisfaction"),
        ('name = "x"\n[weights]\nspeed = 1', "unknown key"),
        ('name = "x"\n[grades]\nA = 50\nB = 75\nC = 60\nD = 40', "fall from A to D"),
        ("[weights]\nresponse = 1\nsolved = 1\nsatisfaction = 1", "needs a name"),
        ('name = "x"\ncalendar = "lunar"', "calendar"),
        ('name = "x"\ncalendar = "working_days"', "deadline_working_days"),
        ('name = "x"\n[satisfaction]\nbasically_satisfied = 1.5', "between 0 and 1"),
        ('name = "x"\n[deadline_hours]\nemergency = "two"', "must be a number"),
        ('name = "x" [', "not valid TOML"),
    ],
)
def test_invalid_rules(text, fragment):
    with pytest.raises(RuleSetError) as err:
        parse_rules(text)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_partial_rules_take_defaults():
    r = parse_rules('name = "jungar"\n[weights]\nresponse = 30\nsolved = 35\nsatisfaction = 35')
    assert r.deadline_hours == default_rules().deadline_hours
    assert r.grade(90.0) == "A" and r.grade(89.999) == "B" and r.grade(39.9) == "E"


@given(st.lists(st.one_of(st.floats(-10, 110), st.just(float("nan"))), max_size=40))
def test_grades_of_a_column_are_each_scores_grade(scores):
    r = parse_rules('name = "g"\n[grades]\nA = 90\nB = 75\nC = 60\nD = 40')
    edges = [89.9999999999, 90.0, 75.0, 74.99, 40.0, 39.9999999]
    column = pd.Series(scores + edges, dtype=float)
    got = grades_of(column, r).tolist()
    assert got == [r.grade(float(x)) for x in column]


def test_working_day_calendar():
    # National Day 2025: Oct 1–8 off; Sun Sep 28 and Sat Oct 11 are 调休 working days.
    assert not is_workday(date(2025, 10, 3))
    assert is_workday(date(2025, 10, 11)) and is_workday(date(2025, 9, 28))
    assert add_workdays(date(2025, 9, 30), 5) == date(2025, 10, 14)
    assert add_workdays(date(2025, 9, 26), 1) == date(2025, 9, 28)
    r = parse_rules('name = "wd"\ncalendar = "working_days"\n[deadline_working_days]\ngeneral = 5')
    assert r.deadline_working_days == {"general": 5} and r.hash != default_rules().hash


def test_every_shown_column_and_value_has_both_labels():
    from metrics import value_label
    from metrics.assessment import EXTRA_COLUMNS
    from metrics.cooperation import COLUMNS as COOP
    from metrics.export import TRAILING
    from metrics.supervision import AGE_BUCKETS, CARD_COLUMNS

    cols = {
        *ASSESSMENT_COLUMNS,
        *DEPARTMENT_COLUMNS,
        *EXTRA_COLUMNS,
        *COOP,
        *TRAILING,
        *CARD_COLUMNS,
        "district",
        "street",
        "community",
        "grid_id",
        "hours_overdue",
    }
    for col in cols:
        assert label(col, "zh") != col and label(col, "en") != col, col
    coded = [("bucket", b) for b in AGE_BUCKETS]
    coded += [("source", "whistle"), ("satisfaction", "basic"), ("urgency", "complex")]
    coded += [("signal", "better"), ("signal", "worse"), ("request_type", "praise")]
    for column, value in coded:
        assert value_label(column, value, "zh") != value, value
        assert value_label(column, value, "en") != value, value
