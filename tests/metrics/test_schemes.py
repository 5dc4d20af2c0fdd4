"""Scoring schemes (contract §3) computed by hand on a small log: items in both directions,
caps, empty KPIs, ties, small samples and excluded request types."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from metrics import assess, explain_counts, red_black_lists, write_assessment
from metrics.assessment import composite_score
from metrics.errors import RuleSetError
from metrics.rules import default_rules, load_rules, parse_rules
from metrics.scheme import score
from metrics.selection import Selection
from tests.metrics.metrics_factory import insert, make_case

AS_OF = "2025-04-10 00:00"
REPORTED = datetime(2025, 3, 3, 8, 0)  # general urgency: due 2025-03-10 08:00, before AS_OF
SCHEME = """
name = "hand"
min_cases = 2
[request_types]
exclude = ["consultation"]
[[score]]
kpi = "closure_rate"       # higher is better: 60 points at 100 %, none at 50 % or below
points = 60
target = 1.0
floor = 0.5
[[score]]
kpi = "median_handling_h"  # lower is better: 40 points at 24 h or less, none at 72 h or more
points = 40
target = 24
floor = 72
[[deduct]]
kpi = "overdue_open"       # 5 points per overdue open case, at most 8
per = 1
points = 5
cap = 8
[[bonus]]
kpi = "proactive_rate"     # 1 point per 10 % found by patrols or video, at most 3
per = 0.1
points = 1
cap = 3
"""


def closed(street: str, hours: float, **extra) -> dict:
    """A case of ``street`` dispatched an hour after reporting, resolved ``hours`` later and
    closed an hour after that."""
    disp = REPORTED + timedelta(hours=1)
    res = disp + timedelta(hours=hours)
    return make_case(
        street=street,
        dispatched_at=disp,
        resolved_at=res,
        closed_at=res + timedelta(hours=1),
        status="closed",
        **extra,
    )


def open_case(street: str, **extra) -> dict:
    """An open, undispatched case of ``street``, overdue at AS_OF."""
    return make_case(street=street, **extra)


@pytest.fixture
def log(store):
    rows = []
    for street in ("A街道", "F街道"):  # identical: a tie
        rows += [closed(street, 12, source="patrol") for _ in range(2)]
        rows += [closed(street, 12, source="hotline") for _ in range(2)]
    rows += [closed("B街道", 48, source="hotline") for _ in range(3)]
    rows += [open_case("B街道"), open_case("B街道", request_type="consultation")]
    rows += [open_case("C街道") for _ in range(4)]
    rows += [closed("D街道", 12, department="城管委")]  # one case: fewer than min_cases
    rows += [open_case("G街道", request_type="consultation") for _ in range(2)]
    insert(store, rows)
    return store


def test_a_scheme_computed_by_hand(log):
    r = parse_rules(SCHEME)
    t = assess(log, Selection.build("street", "2025-03", as_of=AS_OF, rules=r), rank_change=False)
    t = t.set_index("street")
    # A, F: closure 4/4 → 60, median 12 h → 40, bonus 1 × 0.5 / 0.1 = 5 capped at 3.
    # B: closure 3/4 (its consultation case counts in cases only) → 60 × 0.5 = 30; median
    #    48 h → 40 × (72 − 48) / (72 − 24) = 20; one overdue open case → −5; 100 × 50 / 100 − 5.
    # C: closure 0 → 0; no handling time (item left out); 4 overdue → 20 capped at 8; floor 0.
    # D: 100 points, but one case: small sample, no grade, no rank.
    # G: only consultation cases: both items empty → no score.
    want = {"A街道": 103.0, "F街道": 103.0, "B街道": 45.0, "C街道": 0.0, "D街道": 100.0}
    for street, points in want.items():
        assert t.loc[street, "composite_score"] == pytest.approx(points, abs=1e-9), street
    assert np.isnan(t.loc["G街道", "composite_score"])
    assert t.loc["B街道", "cases"] == 5 and t.loc["B街道", "overdue_open"] == 1
    assert t.loc["G街道", "cases"] == 2 and np.isnan(t.loc["G街道", "closure_rate"])
    ranks = t["rank"].to_dict()
    assert [ranks[s] for s in ("A街道", "F街道", "B街道", "C街道")] == [1, 1, 3, 4]
    assert pd.isna(ranks["D街道"]) and pd.isna(ranks["G街道"])
    grades = t["grade"].to_dict()
    assert [grades[s] for s in ("A街道", "B街道", "C街道")] == ["A", "D", "E"]
    assert grades["D街道"] is None and grades["G街道"] is None
    assert t["small_sample"].to_dict() == {s: s == "D街道" for s in t.index}
    red, black = red_black_lists(t.reset_index())
    assert red["street"].tolist() == ["A街道", "F街道", "B街道", "C街道"]
    assert "D街道" not in set(black["street"])


def test_small_samples_stay_off_the_lists_even_with_a_rank():
    table = pd.DataFrame(
        {"street": ["x", "y"], "rank": [1, 2], "small_sample": [True, False]}
    ).astype({"rank": "Int64"})
    red, black = red_black_lists(table)
    assert red["street"].tolist() == ["y"] and black["street"].tolist() == ["y"]


def test_excluded_request_types_explained_and_counted_in_cases_only(log):
    r = parse_rules(SCHEME)
    sel = Selection.build("street", "2025-03", as_of=AS_OF, rules=r)
    got = explain_counts(log, sel, "东城区/B街道", "closure_rate")
    assert (got["numerator"], got["denominator"]) == (3, 4)
    assert got["excluded"] == {"request type excluded by the rule set": 1}
    assert explain_counts(log, sel, "东城区/B街道", "cases")["value"] == 5
    # without the exclusion the consultation case counts everywhere
    plain = Selection.build("street", "2025-03", as_of=AS_OF)
    assert explain_counts(log, plain, "东城区/B街道", "closure_rate")["denominator"] == 5
    assert explain_counts(log, plain, "东城区/B街道", "overdue_open")["value"] == 2


@pytest.mark.parametrize(
    ("kpi", "numerator", "denominator", "value"),
    [
        ("proactive_rate", 2, 4, 0.5),
        ("self_handled_rate", 0, 4, 0.0),
        ("due_cases", 4, 4, 4),
        ("extension_rate", 0, 4, 0.0),
        ("suspended_open", 0, 4, 0),
        ("mean_handling_h", 4, 4, 12.0),
        ("overdue_open", 0, 4, 0),
    ],
)
def test_new_and_deduction_kpis_reach_their_cases(log, kpi, numerator, denominator, value):
    sel = Selection.build("street", "2025-03", as_of=AS_OF, rules=parse_rules(SCHEME))
    got = explain_counts(log, sel, "东城区/A街道", kpi)
    assert (got["numerator"], got["denominator"]) == (numerator, denominator)
    assert got["value"] == pytest.approx(value)


def test_the_xlsx_carries_every_items_points(log, tmp_path):
    r = parse_rules(SCHEME)
    out = tmp_path / "s.xlsx"
    write_assessment(log, Selection.build("street", "2025-03", as_of=AS_OF, rules=r), out)
    ws = openpyxl.load_workbook(out)["得分明细"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    assert head[:3] == ("排名", "区", "街道(乡镇)")
    b = next(row for row in rows[1:] if row[2] == "B街道")
    got = dict(zip(head, b, strict=True))
    assert got["1. 结案率"] == pytest.approx(0.75)
    assert got["2. 处置时长（小时）"] is not None
    assert got["1. 结案率 得分（满分 60）"] == pytest.approx(30)
    assert got["2. 处置时长 得分（满分 40）"] == pytest.approx(20)
    assert got["扣分: 超期未结 分值"] == pytest.approx(5)
    assert got["加分: 主动发现率 分值"] == pytest.approx(0)
    assert got["综合得分"] == pytest.approx(45)


def test_weights_are_three_items_exactly():
    frame = pd.DataFrame(
        {
            "response_rate": [0.8, np.nan, 0.123456789, np.nan],
            "solved_rate": [0.6, 0.7, 0.987654321, np.nan],
            "satisfaction_rate": [0.9, 0.5, 0.333333333, np.nan],
        }
    )
    # the weighted formula before schemes (metrics.assessment.composite_score), bit for bit
    want = composite_score(frame, default_rules().weights)
    pd.testing.assert_series_equal(score(frame, default_rules().scheme), want, check_exact=True)
    assert np.isnan(want.iloc[3])
    # 100 × (0.5 × 0.7 + 0.4 × 0.5) / 0.9, by hand
    assert want.iloc[1] == pytest.approx(100 * 0.55 / 0.9)


def test_a_scheme_changes_the_hash_and_weights_alone_do_not():
    same = parse_rules('name = "x"\n[weights]\nresponse = 0.1\nsolved = 0.5\nsatisfaction = 0.4')
    assert same.hash == default_rules().hash and not same.scored
    assert parse_rules(SCHEME).hash != default_rules().hash
    r = parse_rules(
        'name = "m"\nmin_cases = 3\nlevels = ["street"]\n[targets]\non_time_rate = 0.95'
    )
    assert r.min_cases == 3 and r.targets == {"on_time_rate": 0.95} and r.levels == ("street",)


BAD = [
    (
        "[[score]]\nkpi='response_rate'\npoints=10\ntarget=0.9\nfloor=0.9",
        "score item 1 (response_rate): floor equals target.",
    ),
    (
        "[[score]]\nkpi='cases'\npoints=1\ntarget=9\nfloor=1\n"
        "[[score]]\nkpi='speed'\npoints=1\ntarget=1\nfloor=0",
        "score item 2 (speed): 'speed' is not a KPI of the registry.",
    ),
    (
        "[[score]]\nkpi='solved_rate'\npoints=-1\ntarget=1\nfloor=0",
        "score item 1 (solved_rate): points must not be negative.",
    ),
    (
        "[[deduct]]\nkpi='overdue_open'\npoints=1\nper=0",
        "deduct item 1 (overdue_open): per must be greater than zero.",
    ),
    (
        "[[bonus]]\nkpi='self_handled_rate'\npoints=1\nper=0.1\ncap=-2",
        "bonus item 1 (self_handled_rate): cap must not be negative.",
    ),
    (
        "[[score]]\nkpi='solved_rate'\npoints=1\ntarget=1\nfloor=0\nweight=2",
        "score item 1 (solved_rate): unknown key 'weight'.",
    ),
    (
        "[[score]]\nkpi='rank'\npoints=1\ntarget=1\nfloor=9",
        "score item 1 (rank): rank is the assessment's own result and cannot be scored.",
    ),
    (
        "[request_types]\nexclude=['chat']",
        "request_types.exclude in the rule set names 'chat', not one of complaint, request, "
        "consultation, suggestion, report, praise.",
    ),
    ("min_cases = -1", "min_cases in the rule set must be a whole number, at least 0."),
    (
        "[weights]\nresponse=1\nsolved=1\nsatisfaction=1\n"
        "[[score]]\nkpi='cases'\npoints=1\ntarget=9\nfloor=1",
        "The rule set has both [weights] and [[score]] items; keep one.",
    ),
]


@pytest.mark.parametrize(("body", "sentence"), BAD)
def test_invalid_schemes_are_refused_with_one_sentence(body, sentence):
    with pytest.raises(RuleSetError) as err:
        parse_rules('name = "bad"\n' + body)
    assert str(err.value) == sentence


RULES = Path(__file__).resolve().parents[2] / "sample_data" / "rules"


def test_the_worked_example_of_the_docs():
    r = load_rules(RULES / "area-evaluation.toml")
    street = {
        "closure_rate": 0.95,
        "on_time_rate": 0.90,
        "rework_rate": 0.05,
        "extension_rate": 0.08,
        "suspended_open": 3,
    }
    frame = pd.DataFrame([street, {**street, "rework_rate": np.nan}])
    got = score(frame, r.scheme)
    # docs/metrics.md, by hand: 25 + 32 + 15 × 10/13 + 15 × 12/17 earned of 100, −3 × 0.5
    assert round(got.iloc[0], 2) == 77.63 and r.grade(got.iloc[0]) == "B"
    assert round(got.iloc[1], 2) == 78.02  # rework empty: its 15 points leave the total


def test_the_shipped_schemes(log):
    found = {p.stem: load_rules(p) for p in RULES.glob("*.toml") if p.stem != "working-days-2026"}
    assert set(found) == {"area-evaluation", "hotline-three-rates", "department-fengxian"}
    hotline = found["hotline-three-rates"]
    assert hotline.min_cases == 30 and hotline.exclude_types == ("consultation", "praise")
    fengxian = found["department-fengxian"]
    assert fengxian.levels == ("department",)
    assert fengxian.response_sla_minutes == {"default": 30, "whistle": 30}
    for r in found.values():
        by = r.levels[0]
        table = assess(log, Selection.build(by, "2025-03", as_of=AS_OF, rules=r))
        assert len(table) and (table["small_sample"] == (table["cases"] < r.min_cases)).all()
    # the one department has one case, under the department scheme's minimum of 10
    table = assess(log, Selection.build("department", "2025-03", as_of=AS_OF, rules=fengxian))
    assert table["department"].tolist() == ["城管委"] and table["small_sample"].all()
    assert table["rank"].isna().all() and table["grade"].isna().all()
