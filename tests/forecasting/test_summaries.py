"""Per-unit summaries of stored runs and alerts, as the pages show them."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from forecasting import alert_counts, horizon_totals
from forecasting.summaries import latest_alerts, latest_run_id, unit_forecast, unit_scores


def test_horizon_totals_sum_each_unit_over_the_horizon():
    run = SimpleNamespace(
        forecasts=pd.DataFrame(
            {"unique_id": ["G1", "G1", "G2", "G2"], "yhat": [1.5, 2.0, 0.25, 0.0]}
        )
    )
    totals = horizon_totals(run).set_index("unique_id")["yhat"].to_dict()
    assert totals == {"G1": 3.5, "G2": 0.25}


def test_alert_counts_only_the_chosen_kinds():
    alerts = pd.DataFrame(
        {
            "unique_id": ["G1", "G1", "G2", "噪声扰民"],
            "kind": ["grid", "grid_category", "grid", "category"],
        }
    )
    counts = alert_counts(alerts).set_index("unique_id")["alerts"].to_dict()
    assert counts == {"G1": 2, "G2": 1}
    assert alert_counts(pd.DataFrame()).empty


def _scores(rows: list[tuple]) -> pd.DataFrame:
    columns = ["unique_id", "model", "chosen", "mase", "wape", "cov80", "cov95"]
    return pd.DataFrame(rows, columns=columns)


def test_unit_scores_keep_one_row_per_model_issued_first_then_by_mase():
    nan = float("nan")
    scores = _scores(
        [
            ("G1", "ets", 0, 1.2, 0.6, 0.70, 0.90),
            ("G1", "snaive", 0, 0.9, 0.5, 0.71, 0.91),  # the issued model's own backtest
            ("G1", "snaive", 1, 0.9, 0.5, 0.80, 0.95),  # as issued
            ("G1", "ymean", 0, nan, nan, nan, nan),
            ("G1", "theta", 0, 1.0, 0.55, 0.75, 0.93),
            ("G2", "snaive", 1, 0.1, 0.1, 0.8, 0.9),
        ]
    )
    shown = unit_scores(scores, "G1")
    assert shown["model"].tolist() == ["snaive", "theta", "ets", "ymean"]
    assert shown["chosen"].tolist() == [1, 0, 0, 0]
    assert shown["cov80"].tolist()[:3] == [0.80, 0.75, 0.70]
    assert shown["candidate"].tolist() == [False, False, False, False]


def test_a_tuned_candidate_with_other_points_stays_marked():
    scores = _scores(
        [
            ("G1", "ets", 1, 0.8, 0.4, 0.8, 0.95),  # issued with a saved tuned setting
            ("G1", "ets", 0, 1.1, 0.6, 0.7, 0.90),  # the candidate with default settings
        ]
    )
    shown = unit_scores(scores, "G1")
    assert shown[["model", "chosen", "mase", "candidate"]].values.tolist() == [
        ["ets", 1, 0.8, False],
        ["ets", 0, 1.1, True],
    ]
    assert unit_scores(scores, "G9").empty


def test_unit_forecast_latest_run_and_latest_alerts():
    forecasts = pd.DataFrame({"unique_id": ["G1", "G2", "G1"], "yhat": [1.0, 2.0, 3.0]})
    assert unit_forecast(forecasts, "G1")["yhat"].tolist() == [1.0, 3.0]
    runs = pd.DataFrame({"id": [7, 5, 3], "level": ["city", "grid", "grid"]})  # newest first
    assert latest_run_id(runs, "grid") == 5
    assert latest_run_id(runs, "street") is None
    alerts = pd.DataFrame(
        {
            "unique_id": ["G1", "G2", "G3"],
            "window_end": pd.to_datetime(["2025-03-07", "2025-03-14", "2025-03-14"]),
            "score": [9.0, 4.0, 2.0],
        }
    )
    assert latest_alerts(alerts)["unique_id"].tolist() == ["G2", "G3"]
    assert latest_alerts(alerts.iloc[:0]).empty
