"""The staffing plan against a hand computation."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from forecasting import ForecastError
from forecasting.staffing import COLUMNS, staffing_plan, weekly_totals

Z80 = 1.2815515655446004  # the normal quantile of an 80% central interval


def _days(unit: str, first: str, n: int, yhat: float, half: float) -> pd.DataFrame:
    ds = pd.date_range(first, periods=n, freq="D")
    return pd.DataFrame(
        {"unique_id": unit, "ds": ds, "yhat": yhat, "yhat_lo": yhat - half, "yhat_hi": yhat + half}
    )


def test_weeks_sum_cases_and_spread_and_multiply_by_hours():
    # Thursday 2025-01-02 to Sunday 2025-01-12: 4 days of one week, 7 of the next
    fc = pd.concat(
        [
            _days("东城区/甲街道", "2025-01-02", 11, 10.0, 2.0),
            _days("东城区/乙街道", "2025-01-02", 11, 1.0, 3.0),
            _days("西城区/丙街道", "2025-01-02", 11, 5.0, 1.0),  # no handling time: left out
        ]
    )
    hours = pd.Series({"东城区/甲街道": 6.0, "东城区/乙街道": 0.5, "西城区/丙街道": float("nan")})
    plan = staffing_plan(fc, hours, 80)
    assert list(plan.columns) == list(COLUMNS)
    assert plan["unique_id"].tolist() == ["东城区/乙街道"] * 2 + ["东城区/甲街道"] * 2
    jia = plan[plan["unique_id"] == "东城区/甲街道"].reset_index(drop=True)
    assert jia["week"].tolist() == [date(2024, 12, 30), date(2025, 1, 6)]
    assert jia["days"].tolist() == [4, 7]
    assert jia["cases"].tolist() == [40.0, 70.0]
    sd = 2.0 / Z80  # each day's spread
    for i, n in enumerate((4, 7)):
        half = Z80 * math.sqrt(n) * sd  # = 2 × √n
        assert jia.loc[i, "cases_lo"] == pytest.approx(10 * n - half)
        assert jia.loc[i, "cases_hi"] == pytest.approx(10 * n + 2 * math.sqrt(n))
        assert jia.loc[i, "staff_hours"] == pytest.approx(60 * n)
        assert jia.loc[i, "staff_hours_hi"] == pytest.approx(6 * (10 * n + 2 * math.sqrt(n)))
    totals = weekly_totals(plan)  # 甲 6 h × 10 cases a day, 乙 0.5 h × 1 case a day
    assert totals.index.tolist() == [date(2024, 12, 30), date(2025, 1, 6)]
    assert totals.tolist() == pytest.approx([4 * 60 + 4 * 0.5, 7 * 60 + 7 * 0.5])
    yi = plan[plan["unique_id"] == "东城区/乙街道"].reset_index(drop=True)
    assert yi.loc[0, "cases_lo"] == 0  # 4 − 3 × 2 < 0: never below no case
    assert yi.loc[1, "staff_hours"] == pytest.approx(7 * 0.5)


def test_nothing_to_plan_and_bad_levels():
    fc = _days("g1", "2025-01-06", 7, 1.0, 1.0)
    assert staffing_plan(fc, pd.Series({"g2": 3.0})).empty
    with pytest.raises(ForecastError, match="between 0 and 100"):
        staffing_plan(fc, pd.Series({"g1": 3.0}), 100)
