"""Targets (metrics.targets): which KPIs have one, met or missed in both directions, the
distance in each KPI's format."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.rules import default_rules, parse_rules
from metrics.targets import Target, attainment, targets, verdict, with_attainment

RULES = """
name = "targets"
[[score]]
kpi = "on_time_rate"        # higher is better
points = 50
target = 0.95
floor = 0.6
[[score]]
kpi = "median_handling_h"   # lower is better: the floor lies above the target
points = 30
target = 24
floor = 72
[[score]]
kpi = "solved_rate"
points = 20
target = 0.9
floor = 0.5
[targets]
solved_rate = 0.85          # [targets] overrides the item's full-points line
rework_rate = 0.05          # lower is better by the registry
cases = 100                 # no direction: met at or above
"""


def test_which_kpis_have_a_target_and_which_way():
    got = targets(parse_rules(RULES))
    assert got == {
        "on_time_rate": Target("on_time_rate", 0.95, lower=False),
        "median_handling_h": Target("median_handling_h", 24.0, lower=True),
        "solved_rate": Target("solved_rate", 0.85, lower=False),
        "rework_rate": Target("rework_rate", 0.05, lower=True),
        "cases": Target("cases", 100.0, lower=False),
    }
    # [weights] items (target 100 %) are scores, not 达标线
    assert targets(default_rules()) == {}
    only = parse_rules('name = "t"\n[targets]\non_time_rate = 0.9\n')
    assert targets(only) == {"on_time_rate": Target("on_time_rate", 0.9, lower=False)}


@pytest.mark.parametrize(
    ("target", "value", "met", "gap"),
    [
        (Target("on_time_rate", 0.95, False), 0.918, False, 0.918 - 0.95),
        (Target("on_time_rate", 0.95, False), 0.95, True, 0.0),
        (Target("on_time_rate", 0.95, False), 0.97, True, 0.97 - 0.95),
        (Target("median_handling_h", 24, True), 30.0, False, 6.0),
        (Target("median_handling_h", 24, True), 24.0, True, 0.0),
        (Target("median_handling_h", 24, True), 20.0, True, -4.0),
    ],
)
def test_met_or_missed_in_both_directions(target, value, met, gap):
    assert target.met(value) is met
    assert target.gap(value) == pytest.approx(gap)


def test_an_empty_value_is_neither_met_nor_missed():
    t = Target("on_time_rate", 0.95, False)
    assert t.met(math.nan) is None and t.gap(None) is None and verdict(t, pd.NA) is None


def test_the_verdict_in_each_kpis_format():
    rate, hours = Target("on_time_rate", 0.95, False), Target("median_handling_h", 24, True)
    assert verdict(rate, 0.918) == "未达标 -3.2 个百分点"
    assert verdict(rate, 0.918, "en") == "missed, -3.2 pp"
    assert verdict(hours, 30.0) == "未达标 +6.0 小时"
    assert verdict(hours, 20.0, "en") == "met, -4.0 h"
    assert verdict(Target("overdue_open", 3, True), 2) == "达标 -1"


def test_attainment_columns_follow_their_kpis():
    table = pd.DataFrame(
        {
            "street": ["甲", "乙"],
            "on_time_rate": [0.96, math.nan],
            "median_handling_h": [30.0, 12.0],
            "response_rate": [0.5, 0.6],  # no target: no column
        }
    )
    r = parse_rules(RULES)
    got = attainment(table, r)
    assert list(got.columns) == ["on_time_rate_vs_target", "median_handling_h_vs_target"]
    assert got["on_time_rate_vs_target"].tolist() == ["达标 +1.0 个百分点", None]
    assert got["median_handling_h_vs_target"].tolist() == ["未达标 +6.0 小时", "达标 -12.0 小时"]
    assert list(with_attainment(table, r).columns) == [
        "street",
        "on_time_rate",
        "on_time_rate_vs_target",
        "median_handling_h",
        "median_handling_h_vs_target",
        "response_rate",
    ]
