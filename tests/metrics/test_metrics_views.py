"""Supervision, cooperation, explainability, fairness and time series on the golden scenario."""

from __future__ import annotations

from datetime import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as hyp
from metrics_factory import insert, make_case, make_rating
from statsmodels.duration.survfunc import SurvfuncRight
from test_metrics_golden import AS_OF, U1, U2, golden_grids, golden_ratings, golden_rows

from metrics import (
    UnitError,
    ageing,
    cooperation_table,
    explain,
    explain_counts,
    funnel,
    km_handling,
    kpi_series,
    kpi_table,
    overdue_counts,
    parse_rules,
    rank_stability,
    red_black_lists,
    red_cards,
    survival,
    wilson,
    yellow_cards,
)
from metrics.selection import Selection
from metrics.survival import km_curve, km_median


@pytest.fixture
def golden(store):
    insert(store, golden_rows(), golden_ratings(), golden_grids())
    return store


def test_red_and_yellow_cards(golden):
    # Open (closed_at NULL, not cancelled) at as_of: c3 (due 03-05 11:00), c4 (due 04-07 22:00),
    # c8 (Feb, due 03-07 23:59), c9 (due 03-08 00:00).
    red = red_cards(golden, Selection.build("city", None, as_of=AS_OF))
    assert list(red.case_id) == ["c3", "c8", "c9"]
    assert red.loc[0, "hours_overdue"] == pytest.approx(
        (dt(2025, 4, 1) - dt(2025, 3, 5, 11)).total_seconds() / 3600
    )
    assert red.loc[0, "deadline"] == pd.Timestamp("2025-03-05 11:00")
    assert red.loc[0, "department"] == "住建" and red.loc[0, "street"] == U1[1]
    yellow = yellow_cards(golden, Selection.build("city", None, as_of="2025-04-07 00:00"))
    assert list(yellow.case_id) == ["c4"] and yellow.loc[0, "hours_left"] == pytest.approx(22)
    # Exactly at the deadline a case is due (yellow), not yet overdue (red).
    at = "2025-04-07 22:00"
    assert "c4" not in set(red_cards(golden, Selection.build("city", None, as_of=at)).case_id)
    assert "c4" in set(yellow_cards(golden, Selection.build("city", None, as_of=at)).case_id)


def test_overdue_counts_and_ageing(golden):
    dept = overdue_counts(golden, Selection.build("department", None, as_of=AS_OF))
    assert dept.set_index("department").loc["住建", "overdue"] == 1
    street = overdue_counts(golden, Selection.build("street", None, as_of=AS_OF)).set_index(
        "street"
    )
    assert street.loc[U1[1], "open_cases"] == 2 and street.loc[U1[1], "overdue"] == 1
    assert street.loc[U2[1], "overdue"] == 2
    age = ageing(golden, Selection.build("city", None, as_of=AS_OF))
    assert age.set_index("bucket")["open_cases"].to_dict() == {
        "0-1d": 1,
        "1-3d": 0,
        "3-7d": 0,
        "7-15d": 0,
        "15-30d": 1,
        "30d+": 2,
    }


def test_cooperation(golden):
    coop = cooperation_table(
        golden, Selection.build("department", "2025-03", as_of=AS_OF)
    ).set_index("department")
    assert coop.loc["城管", "rating_mean"] == 95 and coop.loc["城管", "rating_count"] == 2
    assert not coop.loc["城管", "rating_reliable"]
    assert coop.loc["住建", "assist_cases"] == 1
    assert coop.loc["城管", "whistle_cases"] == 1 and coop.loc["城管", "whistle_response_rate"] == 1
    assert coop.loc["住建", "whistle_response_rate"] == 0  # 31 minutes
    assert coop.loc["住建", "cooperation_score"] == pytest.approx(44.0)


def test_rating_reliable_from_five(store):
    rows = [make_case(department="城管") for _ in range(5)]
    insert(store, rows, [make_rating(r["case_id"], "城管", 90) for r in rows])
    coop = cooperation_table(store, Selection.build("department", "2025-03"))
    assert coop.loc[0, "rating_count"] == 5 and bool(coop.loc[0, "rating_reliable"])


def test_explain(golden):
    sel = Selection.build("street", "2025-03", as_of=AS_OF)
    args = (golden, sel, "东城区/东华门街道", "response_rate")
    num = explain(*args, part="numerator")
    den = explain(*args, part="denominator")
    exc = explain(*args, part="excluded")
    assert list(num.case_id) == ["c1", "c2"]
    assert list(den.case_id) == ["c1", "c2", "c3", "c5"]
    assert dict(zip(exc.case_id, exc.reason, strict=True)) == {
        "c4": "response window still open at as_of",
        "c7": "responded before dispatched (contradictory timestamps)",
    }
    counts = explain_counts(*args)
    assert counts["numerator"] == 2 and counts["denominator"] == 4
    assert sum(counts["excluded"].values()) == 2
    page = explain(*args, part="denominator", limit=2, offset=2)
    assert list(page.case_id) == ["c3", "c5"]
    t = kpi_table(golden, Selection.build("street", "2025-03", as_of=AS_OF)).set_index("street")
    for kid in (
        "on_time_rate",
        "rework_rate",
        "satisfaction_rate",
        "median_handling_h",
        "mean_handling_h",
        "mean_response_min",
        "overdue_open",
        "closure_rate",
    ):
        c = explain_counts(
            golden,
            Selection.build("street", "2025-03", as_of=AS_OF),
            {"district": U1[0], "street": U1[1]},
            kid,
        )
        if f"{kid}_den" in t:
            assert c["denominator"] == t.loc[U1[1], f"{kid}_den"], kid
        # the value shown beside the counts is the table's, 基本满意 weighted as in the KPI
        assert c["value"] == pytest.approx(t.loc[U1[1], kid], nan_ok=True), kid
        assert c["denominator"] + sum(c["excluded"].values()) == 6 or kid == "overdue_open"
    sat = explain_counts(
        golden,
        Selection.build("street", "2025-03", as_of=AS_OF),
        {"district": U1[0], "street": U1[1]},
        "satisfaction_rate",
    )
    assert sat["points"] == pytest.approx(t.loc[U1[1], "satisfaction_rate_num"])
    assert sat["points"] < sat["numerator"]  # a 基本满意 case counts 0.9
    with pytest.raises(UnitError):
        explain(golden, Selection.build("street", "2025-03"), "东华门街道", "response_rate")
    with pytest.raises(UnitError):
        explain(
            golden, Selection.build("street", "2025-03"), "东城区/东华门街道", "composite_score"
        )


def _wilson_by_hand(x: np.ndarray, m: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval written out (the formula GridPulse used before statsmodels)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / m
        denom = 1 + z * z / m
        centre = (p + z * z / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
        lo = np.where(m > 0, np.clip(centre - half, 0, 1), np.nan)
        hi = np.where(m > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def test_wilson_equals_the_formula_on_a_grid():
    pairs = [
        (x, m) for m in (1, 2, 3, 7, 10, 57, 1000, 123457) for x in sorted({0, 1, m // 3, m - 1, m})
    ]
    pairs += [(2.7, 5), (0.9, 1), (4.5, 4.5), (0, 0)]  # fractional points; an empty unit
    x = np.array([p[0] for p in pairs], dtype=float)
    m = np.array([p[1] for p in pairs], dtype=float)
    for z in (1.959963984540054, 3.090232306167813, 1.0):
        lo, hi = wilson(x, m, z)
        want_lo, want_hi = _wilson_by_hand(x, m, z)
        np.testing.assert_allclose(lo, want_lo, rtol=0, atol=1e-12)
        np.testing.assert_allclose(hi, want_hi, rtol=0, atol=1e-12)
    lo, hi = wilson([0, 5, 10], [0, 10, 10])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert lo[1] == pytest.approx(0.2366, abs=1e-4) and hi[1] == pytest.approx(0.7634, abs=1e-4)
    assert hi[2] == 1.0 and lo[2] == pytest.approx(0.7225, abs=1e-4)
    lo, hi = wilson(0, 0)  # scalars in, 0-d out, as before
    assert np.isnan(lo) and np.isnan(hi)


def test_funnel_flags():
    table = pd.DataFrame(
        {
            "street": ["a", "b", "c", "d"],
            "closure_rate_num": [990, 500, 5, 0],
            "closure_rate_den": [1000, 1000, 10, 0],
        }
    )
    table["closure_rate"] = table.closure_rate_num / table.closure_rate_den.replace(0, np.nan)
    f = funnel(table, "closure_rate").set_index("street")
    assert f.loc["a", "target"] == pytest.approx(1495 / 2010)
    assert f.loc["a", "signal"] == "better" and f.loc["b", "signal"] == "worse"
    assert f.loc["c", "signal"] == "" and f.loc["d", "signal"] == ""
    assert f.loc["a", "hi998"] > f.loc["a", "hi95"]
    # Each unit's own Wilson 95 % interval: c is 5 of 10 (0.2366–0.7634 by hand), d is empty.
    assert f.loc["c", "rate_lo"] == pytest.approx(0.2366, abs=1e-4)
    assert f.loc["c", "rate_hi"] == pytest.approx(0.7634, abs=1e-4)
    assert np.isnan(f.loc["d", "rate_lo"]) and np.isnan(f.loc["d", "rate_hi"])
    empty = funnel(table.assign(closure_rate_num=0, closure_rate_den=0), "closure_rate")
    assert (empty.signal == "").all() and empty.hi95.isna().all()
    rework = table.rename(columns=lambda c: c.replace("closure", "rework"))
    assert funnel(rework, "rework_rate").set_index("street").loc["a", "signal"] == "worse"


def test_kaplan_meier_counts_open_cases(store):
    d0 = dt(2025, 3, 3, 9)
    rows = [make_case(dispatched_at=d0, resolved_at=dt(2025, 3, 3, 9 + h)) for h in (1, 2, 3)]
    rows += [make_case(dispatched_at=d0) for _ in range(4)]  # open: censored at as_of
    rows.append(make_case(reported_at=dt(2025, 3, 10), dispatched_at=dt(2025, 3, 10)))
    insert(store, rows)
    km = km_handling(store, Selection.build("street", "2025-03"))
    assert km.loc[0, "resolved"] == 3 and km.loc[0, "censored"] == 5
    assert km.loc[0, "median_handling_h"] == 2.0
    assert np.isnan(km.loc[0, "km_median_handling_h"])  # fewer than half resolved so far


@given(hyp.lists(hyp.integers(1, 400), min_size=1, max_size=40))
def test_kaplan_meier_median_without_censoring_is_the_plain_median(hours):
    t = np.array(hours, float) / 4  # ties and quarter hours
    assert km_median(SurvfuncRight(t, np.ones(len(t)))) == pytest.approx(np.median(t))
    t.sort()
    assert km_median(*km_curve(t, np.ones(len(t), np.int64))) == pytest.approx(np.median(t))


@given(hyp.lists(hyp.tuples(hyp.integers(0, 60), hyp.booleans()), min_size=1, max_size=60))
def test_kaplan_meier_curve_is_statsmodels_survfuncright(obs):
    """Our one-pass estimator gives SurvfuncRight's event times and survival, bit for bit."""
    t = np.array([x for x, _ in obs], float) / 2  # many ties, events and censoring mixed
    e = np.array([int(y) for _, y in obs], np.int64)
    order = np.argsort(t, kind="stable")
    times, surv = km_curve(t[order], e[order])
    if not e.any():
        assert times.size == 0
        return
    sf = SurvfuncRight(t, e)
    np.testing.assert_array_equal(times, sf.surv_times)
    np.testing.assert_array_equal(surv, sf.surv_prob)
    np.testing.assert_equal(km_median(times, surv), km_median(sf))  # NaN when never ≤ 0.5


@pytest.mark.parametrize("block", [1 << 18, 100, 7])  # one block; two units; row blocks
def test_kaplan_meier_per_unit_matches_statsmodels_per_unit(store, monkeypatch, block):
    """km_handling over several units and censored cases equals one SurvfuncRight per unit,
    however the rows are cut into blocks."""
    monkeypatch.setattr(survival, "BLOCK", block)
    rng = np.random.default_rng(7)
    rows, truth = [], {}
    d0 = dt(2025, 3, 3, 8)
    for street in ("甲街道", "乙街道", "丙街道"):
        t, e = [], []
        for _ in range(40):
            hours = int(rng.integers(1, 30))
            done = bool(rng.random() < 0.6)
            end = d0 + pd.Timedelta(hours=hours)
            rows.append(
                make_case(
                    street=street,
                    dispatched_at=d0,
                    resolved_at=end if done else None,
                    closed_at=None if done else end,
                )
            )
            t.append(hours)
            e.append(int(done))
        truth[street] = (np.array(t, float), np.array(e))
    insert(store, rows)
    km = km_handling(store, Selection.build("street", "2025-03")).set_index("street")
    for street, (t, e) in truth.items():
        assert km.loc[street, "resolved"] == e.sum()
        assert km.loc[street, "censored"] == len(e) - e.sum()
        expected = km_median(SurvfuncRight(t, e))
        got = km.loc[street, "km_median_handling_h"]
        assert got == pytest.approx(expected, nan_ok=True)
        assert km.loc[street, "median_handling_h"] == pytest.approx(np.median(t[e == 1]))


def test_kaplan_meier_median_by_hand():
    # S: 1 → 3/4 at 1, → 1/2 at 2 (exactly), → 0 at 5 (the censored 3 leaves one at risk)
    t, e = np.array([1.0, 2.0, 3.0, 5.0]), np.array([1, 1, 0, 1])
    assert km_median(SurvfuncRight(t, e)) == pytest.approx(3.5)
    # five events, two censored early: S falls below 1/2 at the fourth event
    t, e = np.array([0.5, 0.7, 1.0, 2.0, 3.0, 4.0, 6.0]), np.array([0, 0, 1, 1, 1, 1, 1])
    assert km_median(SurvfuncRight(t, e)) == pytest.approx(3.0)


def test_rank_stability(golden):
    t = kpi_table(golden, Selection.build("street", "2025-03", as_of=AS_OF))
    st = rank_stability(t).set_index("street")
    assert st.loc[U2[1], "best_rank"] == 1 and st.loc[U1[1], "worst_rank"] == 2
    # Under the built-in rules their 0.1/0.5/0.4 is the rule set's column, not a second one.
    ranks = [c for c in st.columns if c.startswith("rank@")]
    assert ranks == ["rank@rules", "rank@0.1/0.45/0.45", "rank@0.3/0.35/0.35"]


def test_rank_stability_adds_the_built_in_weights_to_other_rules():
    t = pd.DataFrame(
        {
            "street": ["a", "b", "c"],
            "response_rate": [1.0, 0.0, 0.5],
            "solved_rate": [0.0, 1.0, 0.5],
            "satisfaction_rate": [0.0, 1.0, np.nan],
        }
    )
    rules = parse_rules('name = "x"\n[weights]\nresponse = 1\nsolved = 0\nsatisfaction = 0\n')
    st = rank_stability(t, rules, {}).set_index("street")
    # By hand: response only ranks a (1.0), c (0.5), b (0.0); 0.1/0.5/0.4 gives a 10, b 90,
    # c 100 × (0.1 × 0.5 + 0.5 × 0.5) / 0.6 = 50.
    assert list(st["rank@rules"]) == [1, 3, 2]
    assert list(st["rank@0.1/0.5/0.4"]) == [3, 1, 2]
    assert list(st["rank_spread"]) == [2, 2, 0]
    same = parse_rules('name = "x"\n[weights]\nresponse = 1\nsolved = 5\nsatisfaction = 4\n')
    assert "rank@0.1/0.5/0.4" not in rank_stability(t, same, {}).columns


def test_red_black_lists():
    t = pd.DataFrame(
        {"street": list("abcde"), "rank": pd.array([1, 2, 2, 4, pd.NA], dtype="Int64")}
    )
    red, black = red_black_lists(t, n=2)
    assert list(red.street) == ["a", "b"] and list(black.street) == ["d", "c"]


def test_series(golden):
    s = kpi_series(
        golden,
        Selection.build("city", "2025-03", as_of=AS_OF),
        ["cases", "response_rate", "composite_score"],
        freq="day",
    )
    assert len(s) == 31 and s.cases.sum() == 7
    assert s.set_index("ds").loc["2025-03-03", "cases"] == 2
    assert s.set_index("ds").loc["2025-03-02", "cases"] == 0
    assert pd.isna(s.set_index("ds").loc["2025-03-02", "response_rate"])
    w = kpi_series(golden, Selection.build("street", "2025-03", as_of=AS_OF), "cases", freq="week")
    assert w.ds.min() == pd.Timestamp("2025-02-24") and w.groupby("street").cases.sum().sum() == 7
    m = kpi_series(
        golden, Selection.build("city", "2025Q1", as_of=AS_OF), "on_time_rate", freq="month"
    )
    assert list(m.ds.dt.month) == [1, 2, 3]
    with pytest.raises(UnitError):
        kpi_series(golden, Selection.build("city", "2025-03"), "cases", freq="hour")
    with pytest.raises(UnitError):
        kpi_series(golden, Selection.build("department", "2025-03"), "rating_mean")
    with pytest.raises(UnitError):
        kpi_series(golden, Selection.build("street", "2025-03"), "reassign_rate")
    d = kpi_series(golden, Selection.build("department", "2025-03"), ["cases", "reassign_rate"])
    assert d.set_index("department").loc["城管", "reassign_rate"] == 0.25


def test_working_day_deadlines_in_sql(store):
    # Reported Tue 2025-09-30 10:00; 5 working days over National Day → Tue 2025-10-14 10:00.
    insert(store, [make_case(case_id="w1", reported_at=dt(2025, 9, 30, 10))])
    rules = parse_rules(
        'name = "wd"\ncalendar = "working_days"\n[deadline_working_days]\ngeneral = 5\n'
    )
    assert red_cards(
        store, Selection.build("city", None, rules=rules, as_of="2025-10-14 09:59")
    ).empty
    red = red_cards(store, Selection.build("city", None, rules=rules, as_of="2025-10-14 10:30"))
    assert red.loc[0, "deadline"] == pd.Timestamp("2025-10-14 10:00")
    t = kpi_table(
        store, Selection.build("street", "2025-09", rules=rules, as_of="2025-10-14 10:30")
    )
    assert t.loc[0, "overdue_open"] == 1
    t = kpi_table(
        store, Selection.build("street", "2025-09", rules=rules, as_of="2025-10-14 09:30")
    )
    assert t.loc[0, "overdue_open"] == 0
    # Natural calendar: 168 hours → 2025-10-07 10:00, overdue by 10-08.
    assert (
        kpi_table(store, Selection.build("street", "2025-09", as_of="2025-10-08"))["overdue_open"][
            0
        ]
        == 1
    )
