"""Hand-computed golden tables for every KPI and the contract's edge cases (both backends)."""

from __future__ import annotations

import math
from datetime import datetime as dt

import pandas as pd
import pytest
from metrics_factory import insert, make_case, make_grid, make_rating

from metrics import assess, kpi_table, rank_scores
from metrics.selection import Selection

AS_OF = "2025-04-01 00:00:00"
U1 = ("东城区", "东华门街道")
U2 = ("东城区", "景山街道")


def golden_rows():
    """The scenario of docs/metrics.md §Golden: c1…c9, hand-computed below."""
    s1 = dict(district=U1[0], street=U1[1])
    s2 = dict(district=U2[0], street=U2[1], community="社区B", grid_id="G2")
    return [
        # c1: responded in 30 min, resolved in 24 h, closed on time; solved, 满意.
        make_case(
            case_id="c1",
            **s1,
            department="城管",
            assist_departments="住建",
            reported_at=dt(2025, 3, 3, 8),
            dispatched_at=dt(2025, 3, 3, 9),
            responded_at=dt(2025, 3, 3, 9, 30),
            resolved_at=dt(2025, 3, 4, 9),
            closed_at=dt(2025, 3, 5, 8),
            status="closed",
            solved=True,
            satisfaction="satisfied",
            reopened=0,
            reassigned=0,
        ),
        # c2: whistle answered exactly at 30 min; closed exactly at its given deadline;
        # not solved, 基本满意, reworked once.
        make_case(
            case_id="c2",
            **s1,
            department="城管",
            source="whistle",
            reported_at=dt(2025, 3, 3, 8),
            dispatched_at=dt(2025, 3, 3, 10),
            responded_at=dt(2025, 3, 3, 10, 30),
            resolved_at=dt(2025, 3, 3, 20),
            closed_at=dt(2025, 3, 4, 8),
            deadline=dt(2025, 3, 4, 8),
            status="closed",
            solved=False,
            satisfaction="basic",
            reopened=1,
            reassigned=0,
        ),
        # c3: whistle answered after 31 min; emergency (derived deadline 11:00) still open.
        make_case(
            case_id="c3",
            **s1,
            department="住建",
            source="whistle",
            urgency="emergency",
            reported_at=dt(2025, 3, 5, 9),
            dispatched_at=dt(2025, 3, 5, 10),
            responded_at=dt(2025, 3, 5, 10, 31),
            status="dispatched",
        ),
        # c4: dispatched 1 h before as_of, unanswered: SLA window still open; deadline ahead.
        make_case(
            case_id="c4",
            **s1,
            department="城管",
            reported_at=dt(2025, 3, 31, 22),
            dispatched_at=dt(2025, 3, 31, 23),
            status="dispatched",
        ),
        # c5: never answered (window ended); closed after its given deadline; 不满意; pushed back.
        make_case(
            case_id="c5",
            **s1,
            department="城管",
            reported_at=dt(2025, 3, 6, 8),
            dispatched_at=dt(2025, 3, 6, 9),
            deadline=dt(2025, 3, 7, 9),
            closed_at=dt(2025, 3, 8, 9),
            status="closed",
            satisfaction="dissatisfied",
            reassigned=2,
        ),
        # c6: cancelled — in no KPI although it looks perfect/terrible.
        make_case(
            case_id="c6",
            **s1,
            department="城管",
            status="cancelled",
            reported_at=dt(2025, 3, 7, 8),
            dispatched_at=dt(2025, 3, 7, 9),
            responded_at=dt(2025, 3, 9, 9),
            solved=True,
            satisfaction="satisfied",
        ),
        # c7: contradictory: responded and resolved before dispatched, closed before reported.
        make_case(
            case_id="c7",
            **s1,
            department="住建",
            reported_at=dt(2025, 3, 10, 12),
            dispatched_at=dt(2025, 3, 10, 13),
            responded_at=dt(2025, 3, 10, 12, 30),
            resolved_at=dt(2025, 3, 10, 12, 45),
            closed_at=dt(2025, 3, 10, 11),
            status="closed",
            reopened=0,
            reassigned=0,
        ),
        # c8: reported in February — outside the period.
        make_case(case_id="c8", **s2, reported_at=dt(2025, 2, 28, 23, 59), solved=False),
        # c9: the other street's only March case: 基本满意, nothing else.
        make_case(
            case_id="c9",
            **s2,
            reported_at=dt(2025, 3, 1, 0, 0),
            satisfaction="basic",
            status="open",
        ),
    ]


def golden_ratings():
    return [
        make_rating("c1", "城管", 90),
        make_rating("c2", "城管", 100),
        make_rating("c1", "住建", 80),  # assisting department
        make_rating("c6", "城管", 0),  # cancelled case: ignored
        make_rating("c3", "水务", 50),  # neither primary nor assisting: counts (contract §1)
    ]


def golden_grids():
    return [
        make_grid("G1", 300),
        make_grid("G1b", 200),
        make_grid("G2", 500, street=U2[1], community="社区B"),
    ]


NAN = float("nan")
EXPECTED_STREET = {
    U1: dict(
        cases=6,
        response_rate=2 / 4,
        median_response_min=30.0,
        closure_rate=4 / 6,
        on_time_rate=2 / 4,
        overdue_open=1,
        solved_rate=1 / 2,
        satisfaction_rate=1.9 / 3,
        rework_rate=1 / 3,
        median_handling_h=17.0,
        composite_score=100 * (0.1 * 0.5 + 0.5 * 0.5 + 0.4 * 1.9 / 3),
        grade="D",
        rank=1,
        handling_rate=3 / 6,
        on_time_handling_rate=3 / 5,
        households=500,
        volume_per_1k_households=12.0,
    ),
    U2: dict(
        cases=1,
        response_rate=NAN,
        median_response_min=NAN,
        closure_rate=0.0,
        on_time_rate=0.0,
        overdue_open=1,
        solved_rate=NAN,
        satisfaction_rate=0.9,
        rework_rate=NAN,
        median_handling_h=NAN,
        composite_score=90.0,
        grade="A",
        rank=1,
        handling_rate=0.0,
        on_time_handling_rate=0.0,
        households=500,
        volume_per_1k_households=2.0,
    ),
}
# c9 (general, derived deadline 03-08 00:00) is open and overdue at as_of.
# U2's composite 90 (satisfaction alone, renormalised) beats U1's 55.33.
EXPECTED_STREET[U1]["rank"] = 2


def _check(row: pd.Series, expected: dict) -> None:
    for col, want in expected.items():
        got = row[col]
        if isinstance(want, float) and math.isnan(want):
            assert pd.isna(got), f"{col}: expected empty, got {got}"
        elif isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-9), col
        else:
            assert got == want, col


@pytest.fixture
def golden(store):
    insert(store, golden_rows(), golden_ratings(), golden_grids())
    return store


def test_street_assessment_golden(golden):
    table = assess(golden, Selection.build("street", "2025-03", as_of=AS_OF))
    assert list(table[["district", "street"]].itertuples(index=False, name=None)) == [U2, U1]
    for _, row in table.iterrows():
        _check(row, EXPECTED_STREET[(row["district"], row["street"])])


def test_numerators_and_denominators(golden):
    t = kpi_table(golden, Selection.build("street", "2025-03", as_of=AS_OF)).set_index("street")
    u1 = t.loc[U1[1]]
    assert (u1.response_rate_num, u1.response_rate_den) == (2, 4)  # c4 window open, c7 < 0
    assert (u1.on_time_rate_num, u1.on_time_rate_den) == (2, 4)  # c4 not due, c7 < 0
    assert (u1.rework_rate_num, u1.rework_rate_den) == (1, 3)
    assert u1.satisfaction_rate_num == pytest.approx(1.9)
    assert t.loc[U2[1]].response_rate_den == 0


def test_department_golden(golden):
    t = assess(golden, Selection.build("department", "2025-03", as_of=AS_OF)).set_index(
        "department"
    )
    cg, zj = t.loc["城管"], t.loc["住建"]
    _check(
        cg,
        dict(
            cases=3 + 1,
            response_rate=2 / 3,
            on_time_rate=2 / 3,
            reassign_rate=1 / 4,
            rating_mean=95.0,
            rating_count=2,
            cooperation_score=100 * (0.25 * 2 / 3 + 0.25 * 2 / 3 + 0.3 * 0.95 + 0.2 * 0.75),
        ),
    )
    _check(
        zj,
        dict(
            cases=2,
            response_rate=0.0,
            on_time_rate=0.0,
            reassign_rate=0.0,
            rating_mean=80.0,
            rating_count=1,
            cooperation_score=44.0,
        ),
    )
    # Its only rating is on a case it had no part in: it still counts for it (contract §1),
    # so it has a row with no case of its own: the index is the rating part alone.
    _check(
        t.loc["水务"],
        dict(cases=0, rating_mean=50.0, rating_count=1, cooperation_score=50.0),
    )
    # contract §5: the KPI ids of §4 in order (the handling-level ones and small_sample
    # after the department's), then the extras
    assert list(t.columns[:25]) == [
        "cases",
        "response_rate",
        "median_response_min",
        "closure_rate",
        "on_time_rate",
        "overdue_open",
        "solved_rate",
        "satisfaction_rate",
        "rework_rate",
        "median_handling_h",
        "composite_score",
        "grade",
        "rank",
        "rating_mean",
        "reassign_rate",
        "cooperation_score",
        "proactive_rate",
        "self_handled_rate",
        "due_cases",
        "extension_rate",
        "suspended_open",
        "mean_response_min",
        "mean_handling_h",
        "small_sample",
        "rank_change",
    ]


def test_city_and_default_as_of(golden):
    # Default as_of = the latest case timestamp (c4 dispatched 2025-03-31 23:00), not the clock:
    # c4's 120-minute window has not ended, so the result equals the explicit as_of above.
    city = kpi_table(golden, Selection.build("city", "2025-03"))
    assert city.attrs["as_of"] == dt(2025, 3, 31, 23, 0)
    assert city.loc[0, "cases"] == 7
    assert city.loc[0, "response_rate_den"] == 4
    assert city.loc[0, "households"] == 1000


def test_as_of_moves_window_and_deadline(golden):
    late = kpi_table(
        golden, Selection.build("street", "2025-03", as_of="2025-04-08 00:00")
    ).set_index("street")
    u1 = late.loc[U1[1]]
    assert u1.response_rate_den == 5  # c4's window has now ended
    assert u1.overdue_open == 2  # and its derived deadline (2025-04-07 22:00) passed


def test_previous_period_rank_change(golden):
    insert(
        golden,
        [
            make_case(
                case_id="f1", district=U1[0], street=U1[1], reported_at=dt(2025, 2, 3), solved=True
            )
        ],
    )
    t = assess(golden, Selection.build("street", "2025-03", as_of=AS_OF)).set_index("street")
    # February: U1 (solved 1/1 → 100) rank 1, U2 (c8 solved no → 0) rank 2.
    assert t.loc[U1[1], "rank_change"] == 1 - 2
    assert t.loc[U2[1], "rank_change"] == 2 - 1


def test_ties_share_best_rank(store):
    rows = []
    for street, sat in [
        ("甲街道", "satisfied"),
        ("乙街道", "basic"),
        ("丙街道", "basic"),
        ("丁街道", "dissatisfied"),
        ("戊街道", None),
    ]:
        rows.append(make_case(street=street, satisfaction=sat))
    insert(store, rows)
    t = assess(store, Selection.build("street", "2025-03")).set_index("street")
    assert t["rank"].to_dict() == {
        "甲街道": 1,
        "乙街道": 2,
        "丙街道": 2,
        "丁街道": 4,
        "戊街道": pd.NA,
    } or pd.isna(t.loc["戊街道", "rank"])
    assert [t.loc[s, "rank"] for s in ("甲街道", "乙街道", "丙街道", "丁街道")] == [1, 2, 2, 4]
    assert pd.isna(t.loc["戊街道", "rank"]) and pd.isna(t.loc["戊街道", "composite_score"])
    assert list(t.index)[-1] == "戊街道"  # unranked last


def test_rank_scores_series():
    got = rank_scores(pd.Series([90.0, 80.0, 80.0 + 1e-12, 70.0, float("nan")]))
    assert got.tolist()[:4] == [1, 2, 2, 4] and pd.isna(got.iloc[4])


def test_renormalised_weights(store):
    # Only response (1.0) and solved (0.0) present: (0.1·1 + 0.5·0) / 0.6 × 100.
    insert(
        store,
        [make_case(dispatched_at=dt(2025, 3, 3, 9), responded_at=dt(2025, 3, 3, 11), solved=False)],
    )
    t = assess(store, Selection.build("street", "2025-03"))
    assert t.loc[0, "response_rate"] == 1.0  # exactly at the 120-minute SLA
    assert t.loc[0, "composite_score"] == pytest.approx(100 * 0.1 / 0.6)
    assert t.loc[0, "grade"] == "E"


def test_empty_period_gives_empty_rates(golden):
    t = kpi_table(golden, Selection.build("street", "2024-01", as_of=AS_OF))
    # Streets known from the grids table are listed with no cases and empty rates.
    assert set(t.street) == {U1[1], U2[1]}
    assert (t.cases == 0).all() and t.response_rate.isna().all() and t.closure_rate.isna().all()


def test_other_levels(golden):
    for by in ("district", "community", "grid", "category"):
        t = kpi_table(golden, Selection.build(by, "2025-03", as_of=AS_OF))
        assert t.cases.sum() == 7, by
    # Cases without a source belong to no source unit.
    assert kpi_table(golden, Selection.build("source", "2025-03", as_of=AS_OF)).cases.sum() == 2
    src = kpi_table(golden, Selection.build("source", "2025-03", as_of=AS_OF)).set_index("source")
    assert src.loc["whistle", "response_rate"] == 0.5  # c2 at 30 min ok, c3 at 31 min late
    grid = kpi_table(golden, Selection.build("grid", "2025-03", as_of=AS_OF)).set_index("grid_id")
    assert grid.loc["G1b", "cases"] == 0 and grid.loc["G1", "households"] == 300


def test_kpi_subset_matches_full_table(golden):
    full = kpi_table(golden, Selection.build("department", "2025-03", as_of=AS_OF))
    part = kpi_table(
        golden, Selection.build("department", "2025-03", as_of=AS_OF), kpis=["cooperation_score"]
    )
    assert "solved_rate" not in part and "rating_mean" in part and "reassign_rate" in part
    pd.testing.assert_frame_equal(part, full[part.columns], check_dtype=False)
